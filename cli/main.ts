import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { commands } from './commands/index.ts';
import { runCli } from './run.ts';

await runCli(yargs(hideBin(process.argv)), commands);
