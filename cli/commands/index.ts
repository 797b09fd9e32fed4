import type { CommandModule } from 'yargs';
import { emulatorCommand } from './emulator.ts';
import { upCommand } from './up.ts';

// The CLI entry only registers these; each file holds one subcommand.
export const commands = [upCommand, emulatorCommand] as CommandModule<object, never>[];
