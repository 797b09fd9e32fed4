import type { Argv, CommandModule } from 'yargs';

export interface CommandSpec<Args> {
  command: string;
  describe: string;
  builder?: (yargs: Argv) => Argv<unknown>;
  /** Receives the parsed flags (camelCase); sets process.exitCode rather than exiting. */
  handler: (args: Args) => void | Promise<void>;
}

/**
 * A subcommand typed by its own Args interface: yargs' inferred builder types do not line up with a
 * declared interface (kebab-case flags, coerce), so the handler's view is declared here once.
 */
export function defineCommand<Args>(spec: CommandSpec<Args>): CommandModule<object, never> {
  return spec as unknown as CommandModule<object, never>;
}
