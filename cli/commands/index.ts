import type { CommandModule } from 'yargs';
import { upCommand } from './up.ts';

// The CLI entry only registers these; each file holds one subcommand.
export const commands = [upCommand] as CommandModule<object, never>[];
