import type { Argv, CommandModule, MiddlewareFunction } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { UsageError } from '../common/errors.ts';
import { endQuietlyWhenStdoutCloses } from './stdout-closed.ts';

// Every flag falls back to ORDERFLOW_<FLAG_NAME>; yargs maps ORDERFLOW_DUPLICATE_RATE to --duplicate-rate.
export const ENV_PREFIX = 'ORDERFLOW';

/**
 * Runs the CLI: bad flags print one line and exit 2; failures print one line and exit 1
 * (ORDERFLOW_DEBUG=1 adds the stack). Never a stack trace for bad input.
 */
export async function runCli(argv: Argv, commands: readonly CommandModule<object, never>[]): Promise<void> {
  endQuietlyWhenStdoutCloses();
  // With an emulator there is no GCE metadata server to find: the Google clients need not look for
  // one (and warn when there is none), as `up` already tells its children.
  if (process.env.PUBSUB_EMULATOR_HOST) process.env.METADATA_SERVER_DETECTION ??= 'none';
  quietMetadataProbe();
  let cli = argv
    .scriptName('orderflow')
    .env(ENV_PREFIX)
    // Not .strict(): it also rejects ORDERFLOW_* variables meant for other commands (a shared
    // environment would break every command). Flags typed on the command line are checked below.
    .strictCommands()
    .middleware(rejectUnknownFlags(hideBin(process.argv)), true)
    .middleware(rejectMisreadValues(hideBin(process.argv)), true)
    .demandCommand(1, 'name a command, e.g. orderflow up')
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version()
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .epilogue('Every flag can also be set as ORDERFLOW_<FLAG> (e.g. --duplicate-rate as ORDERFLOW_DUPLICATE_RATE).')
    .fail((message, error) => {
      // yargs reports its own parse failures and our coerce/check throws as YError; anything else is a handler failure.
      const usage = !error || error instanceof UsageError || error.name === 'YError';
      throw usage ? new UsageError(message ?? error?.message ?? 'invalid arguments') : error;
    });
  for (const command of commands) cli = cli.command(command);
  try {
    rejectUnknownCommand(hideBin(process.argv), commands);
    await cli.parseAsync();
  } catch (error) {
    process.exitCode = reportFailure(error);
    // A client that failed (no credentials, no emulator) may reject its own background promises
    // after the command has said why in one line: they restate it, with a stack trace.
    process.on('unhandledRejection', (reason) => {
      if (process.env.ORDERFLOW_DEBUG) process.stderr.write(`after the failure: ${reason instanceof Error ? reason.stack : String(reason)}\n`);
    });
  }
}

/**
 * Off Google Cloud, the auth library's probe for a metadata server can fail in a way it does not
 * expect (a proxy answering 403) and print a MetadataLookupWarning after our one line; it says
 * nothing the failure did not (ORDERFLOW_DEBUG=1 keeps it). Other warnings print as Node prints them.
 */
function quietMetadataProbe(): void {
  const printers = process.listeners('warning');
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (warning.name === 'MetadataLookupWarning' && !process.env.ORDERFLOW_DEBUG) return;
    for (const print of printers) print(warning);
  });
}

function reportFailure(error: unknown): number {
  const usage = error instanceof UsageError;
  // Library errors can span lines; the contract with the person at the terminal is one line.
  const message = (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, ' ').trim();
  process.stderr.write(`orderflow: ${message}${usage ? ' (see --help)' : ''}\n`);
  if (!usage && process.env.ORDERFLOW_DEBUG && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  return usage ? 2 : 1;
}

// A value such as `--count -5`: yargs reads it as the flag's value, so it is not a flag named 5.
const NEGATIVE_NUMBER = /^-(\d+(\.\d+)?|\.\d+)$/;

/** Fails on a typed flag the command does not define; environment variables are only fallbacks. */
function rejectUnknownFlags(raw: string[]): MiddlewareFunction {
  // yargs passes its instance, in the running command's context, as the second argument (untyped in @types/yargs).
  return ((_argv: unknown, yargs: { getOptions(): { key: Record<string, unknown>; alias: Record<string, string[]> } }) => {
    const options = yargs.getOptions();
    const known = new Set([...Object.keys(options.key), ...Object.values(options.alias).flat()]);
    const end = raw.indexOf('--');
    const unknown = (end === -1 ? raw : raw.slice(0, end))
      .filter((token) => token.startsWith('-') && token !== '-' && !NEGATIVE_NUMBER.test(token))
      .flatMap((token) => (token.startsWith('--') ? [token.slice(2).split('=')[0]!] : [...token.slice(1).split('=')[0]!]))
      .filter((name) => !known.has(name) && !(name.startsWith('no-') && known.has(name.slice(3))));
    if (unknown.length) throw new UsageError(`Unknown argument${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`);
  }) as unknown as MiddlewareFunction;
}

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/**
 * Values yargs would take in silence: a boolean flag's variable reads as false unless it is exactly
 * `true` (so ORDERFLOW_KEEP_RUNNING=1 meant false); a bad ORDERFLOW_LOG_LEVEL failed in the logging
 * library's words; a string flag typed or set empty, or typed twice. One usage line each.
 */
function rejectMisreadValues(raw: string[]): MiddlewareFunction {
  return ((argv: Record<string, unknown>, yargs: { getOptions(): { boolean: string[]; string: string[]; array: string[] } }) => {
    const level = process.env.ORDERFLOW_LOG_LEVEL;
    if (level && !LOG_LEVELS.includes(level)) throw new UsageError(`ORDERFLOW_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${level}`);
    const options = yargs.getOptions();
    for (const flag of options.boolean) {
      const name = envName(flag);
      const value = process.env[name];
      if (value !== undefined && value !== '' && value !== 'true' && value !== 'false') throw new UsageError(`${name} must be true or false, got ${value}`);
    }
    // A path or name flag given empty (`--dims ""`, `ORDERFLOW_DIMS=`) meant the current directory, and
    // one given twice reached the command as an array. An empty default is not the person's doing.
    for (const flag of options.string.filter((name) => !/[A-Z]/.test(name))) {
      const value = argv[flag];
      const typedEmpty = raw.some((token, i) => token === `--${flag}=` || (token === `--${flag}` && raw[i + 1] === ''));
      if (value === '' && (typedEmpty || process.env[envName(flag)] === ''))
        throw new UsageError(`--${flag} needs a value (it is empty${typedEmpty ? '' : ` in ${envName(flag)}`})`);
      if (Array.isArray(value) && !options.array.includes(flag)) throw new UsageError(`--${flag} is given more than once`);
    }
  }) as unknown as MiddlewareFunction;
}

const envName = (flag: string) => `${ENV_PREFIX}_${flag.replaceAll('-', '_').toUpperCase()}`;

/**
 * yargs' strictCommands is not consulted when --help is given: `orderflow dashbord --help` would
 * print the top-level help and exit 0. The first word that is not a flag must name a command.
 */
function rejectUnknownCommand(raw: string[], commands: readonly CommandModule<object, never>[]): void {
  const word = raw.find((token) => !token.startsWith('-'));
  if (word === undefined) return;
  const names = commands
    .flatMap((c) => [c.command, c.aliases].flat())
    .filter((n) => typeof n === 'string')
    .map((n) => n.split(' ')[0]!);
  if (!names.includes(word)) throw new UsageError(`Unknown command: ${word}; the commands are ${names.join(', ')}`);
}
