/** Bad input from the person at the CLI (flags, files): one clear line, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A failure the operator can act on (a port taken, a file unreadable): one line, exit code 1. */
export class OperationalError extends Error {
  override name = 'OperationalError';
}
