import { defineCommand } from '../command.ts';
import { byteLines, openInput, writeAll } from '../../common/ndjson.ts';

interface Args {
  file: string;
}

/** One verdict per input line, as the issue specifies; `code` per error says which reason each is. */
export const validateCommand = defineCommand<Args>({
  command: 'validate [file]',
  describe: 'Validate NDJSON order events against the contract: one verdict per line on stdout, a summary on stderr',
  builder: (y) =>
    y
      .positional('file', { type: 'string', default: '-', describe: 'NDJSON file of events, or - for stdin' })
      .example('orderflow generate --count 100 --out stdout | orderflow validate -', 'validate generated events'),
  handler: async ({ file }) => {
    // Loaded here, not at the top: every CLI start would otherwise load this command's libraries.
    const { validateMessage } = await import('../../common/contract/validate.ts');
    const input = await openInput(file);
    let line = 0;
    let valid = 0;
    const flagged = new Map<string, number>();
    const rejected = new Map<string, number>();
    for await (const bytes of byteLines(input)) {
      line += 1;
      const verdict = validateMessage(bytes);
      if (verdict.valid) {
        valid += 1;
        for (const flag of verdict.flags) flagged.set(flag, (flagged.get(flag) ?? 0) + 1);
        await writeAll(process.stdout, `${JSON.stringify({ line, valid: true, event_id: verdict.event.event_id, flags: verdict.flags })}\n`);
      } else {
        rejected.set(verdict.errorCode, (rejected.get(verdict.errorCode) ?? 0) + 1);
        const out = { line, valid: false, ...(verdict.eventId ? { event_id: verdict.eventId } : {}), error_code: verdict.errorCode, errors: verdict.errors };
        await writeAll(process.stdout, `${JSON.stringify(out)}\n`);
      }
    }
    process.stderr.write(`${summary(line, valid, flagged, rejected)}\n`);
  },
});

function summary(lines: number, valid: number, flagged: Map<string, number>, rejected: Map<string, number>): string {
  const list = (counts: Map<string, number>) => [...counts].sort().map(([key, n]) => `${key} ${n}`).join(', ');
  const flags = flagged.size ? ` (flagged: ${list(flagged)})` : '';
  const reasons = rejected.size ? ` (${list(rejected)})` : '';
  return `validated ${lines} lines: ${valid} valid${flags}, ${lines - valid} invalid${reasons}`;
}
