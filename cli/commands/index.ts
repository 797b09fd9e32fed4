import { batchCommand } from './batch.ts';
import { biCommand } from './bi.ts';
import { dashboardCommand } from './dashboard.ts';
import { deadLettersCommand } from './dead-letters.ts';
import { emulatorCommand } from './emulator.ts';
import { generateCommand } from './generate.ts';
import { importCommand } from './import.ts';
import { queryCommand } from './query.ts';
import { replayCommand } from './replay.ts';
import { setupCommand } from './setup.ts';
import { snapshotCommand } from './snapshot.ts';
import { statusCommand } from './status.ts';
import { upCommand } from './up.ts';
import { validateCommand } from './validate.ts';
import { workerCommand } from './worker.ts';

// The CLI entry only registers these; each file holds one subcommand.
export const commands = [
  upCommand,
  generateCommand,
  importCommand,
  validateCommand,
  snapshotCommand,
  emulatorCommand,
  setupCommand,
  workerCommand,
  batchCommand,
  queryCommand,
  replayCommand,
  deadLettersCommand,
  statusCommand,
  dashboardCommand,
  biCommand,
];
