/**
 * A reader that goes away (`orderflow generate | head -2`) ends the command quietly, exit 0, as
 * Unix filters do: without a listener Node throws the write's EPIPE as an uncaught error, with a
 * stack trace. Any other error on stdout stays an error.
 */
export function endQuietlyWhenStdoutCloses(stdout: NodeJS.WriteStream = process.stdout): void {
  stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(0);
  });
}
