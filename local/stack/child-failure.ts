import { open } from 'node:fs/promises';

/** How much of a log's end is searched for the failure line: it is among the process's last lines. */
const TAIL_BYTES = 64 * 1024;

/** What a failed child prints last on stderr, as cli/run.ts writes it. */
const FAILURE_PREFIX = 'orderflow: ';

/**
 * The one line `up` prints for a child that failed: `summary`, then the child's own reason (its last
 * `orderflow: ...` line, which its log holds since the child's stderr goes there) and the log's path,
 * e.g. "setup failed: no answer from ... (log: data/logs/setup.log)". Without such a line (killed,
 * crashed): "summary; see <log>". Only what the process wrote (from `logOffset`) is read: logs are
 * appended across runs.
 */
export async function explainFailure(summary: string, logFile: string, logOffset: number): Promise<string> {
  const reason = await lastFailureLine(logFile, logOffset).catch(() => undefined);
  return reason ? `${summary}: ${reason} (log: ${logFile})` : `${summary}; see ${logFile}`;
}

/** The last `orderflow: ...` line after `offset` in the file, without its prefix. */
async function lastFailureLine(file: string, offset: number): Promise<string | undefined> {
  const handle = await open(file);
  try {
    const { size } = await handle.stat();
    const start = Math.max(offset, size - TAIL_BYTES);
    const { buffer, bytesRead } = await handle.read({ buffer: Buffer.alloc(Math.max(0, size - start)), position: start });
    return buffer
      .subarray(0, bytesRead)
      .toString('utf8')
      .split('\n')
      .filter((line) => line.startsWith(FAILURE_PREFIX))
      .at(-1)
      ?.slice(FAILURE_PREFIX.length)
      .trim();
  } finally {
    await handle.close();
  }
}
