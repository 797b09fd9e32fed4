import { execFileSync } from 'node:child_process';
import { ORDERFLOW_NODE_ARGS } from '../common/bin.ts';

/** Every command and subcommand, in the order the reference lists them. */
export const COMMANDS = [
  'up',
  'generate',
  'import olist',
  'replay',
  'validate',
  'snapshot',
  'emulator',
  'setup',
  'worker',
  'batch run',
  'batch compile',
  'query',
  'dead-letters list',
  'dead-letters replay',
  'status',
  'dashboard',
  'bi lookml',
  'bi tableau',
];

/** docs/cli.md: each command's --help, so the flag reference is the CLI's own text and never drifts. */
export function renderCliReference(): string {
  const help = (command: string) =>
    // A bare environment: some defaults come from variables (GOOGLE_CLOUD_PROJECT, PORT, K_SERVICE).
    execFileSync(process.execPath, [...ORDERFLOW_NODE_ARGS, ...command.split(' '), '--help'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
    }).trimEnd();
  const sections = COMMANDS.map((command) => `## orderflow ${command}\n\n\`\`\`\n${help(command)}\n\`\`\`\n`);
  return [
    '# CLI reference',
    '',
    "Generated from each command's `--help` by `npm run docs:cli`; a test fails when it is stale.",
    'Every flag can also be set as an environment variable: `ORDERFLOW_` and the flag in upper case with',
    '`_` for `-` (`--duplicate-rate` is `ORDERFLOW_DUPLICATE_RATE`). A flag on the command line wins over the',
    'variable; variables for flags a command does not have are ignored. Also read: `PUBSUB_EMULATOR_HOST`',
    '(point Pub/Sub clients at an emulator), `STORAGE_EMULATOR_HOST` (GCS), `GOOGLE_CLOUD_PROJECT` (default',
    'project), `GOOGLE_APPLICATION_CREDENTIALS` (service account key for the Google clients), `PORT` (the',
    "worker's HTTP port on Cloud Run), `ORDERFLOW_LOG_LEVEL` (trace, debug, info, warn, error) and",
    '`ORDERFLOW_DEBUG=1` (stack traces with errors).',
    '',
    'One name, one meaning: since one environment can serve every command, a flag that two commands share',
    "means the same thing in both (`--seed` is the generator's seed in `up`, `generate` and `snapshot`;",
    '`--database` is the same warehouse file everywhere, `--dims` the same snapshot for `snapshot` and `batch run`).',
    'Where a command needs a different meaning it gets',
    'a name of its own: the emulator listens on `--emulator-port` and the dashboard on `--dashboard-port` (the',
    "worker's HTTP port is `--port`); `--out` is where events go (`generate`, `import`), `--out-dir` where generated",
    "files go (`batch compile`, `bi`); and the emulator's",
    "fault injection is `--fault-duplicate-rate`, `--fault-seed`, ... (the generator's `--duplicate-rate`",
    'republishes events; it injects no fault).',
    '',
    ...sections,
  ].join('\n');
}
