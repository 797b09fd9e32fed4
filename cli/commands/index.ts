import type { CommandModule } from 'yargs';
import { emulatorCommand } from './emulator.ts';
import { generateCommand } from './generate.ts';
import { setupCommand } from './setup.ts';
import { snapshotCommand } from './snapshot.ts';
import { upCommand } from './up.ts';
import { validateCommand } from './validate.ts';
import { workerCommand } from './worker.ts';

// The CLI entry only registers these; each file holds one subcommand.
export const commands = [upCommand, emulatorCommand, generateCommand, validateCommand, snapshotCommand, setupCommand, workerCommand] as CommandModule<object, never>[];
