import { defineCommand } from '../command.ts';
import { byteLines, openInput, writeAll } from '../../common/ndjson.ts';
import { positiveInteger } from '../options.ts';

interface Args {
  file: string;
  maxLineBytes: number;
  strict: boolean;
}

/** Pub/Sub's limit on a message's size: a longer line could never be published as one event. */
import { PUBSUB_MAX_MESSAGE_BYTES } from '../../common/pubsub-limits.ts';

/** One verdict per input line, as the issue specifies; `code` per error says which reason each is. */
export const validateCommand = defineCommand<Args>({
  command: 'validate [file]',
  describe:
    'Validate NDJSON order events against the contract: one verdict per line on stdout, a summary on stderr (exit 0 whatever the verdicts, unless --strict)',
  builder: (y) =>
    y
      .positional('file', { type: 'string', default: '-', describe: 'NDJSON file of events, or - for stdin' })
      .options({
        'max-line-bytes': {
          type: 'number',
          default: PUBSUB_MAX_MESSAGE_BYTES,
          coerce: positiveInteger('max-line-bytes'),
          describe: "Longer lines get the verdict too_large without being read into memory (default: Pub/Sub's 10 MB message limit)",
        },
        strict: { type: 'boolean', default: false, describe: 'Exit 1 when any line is invalid (for CI); by default the exit code ignores the verdicts' },
      })
      .example('orderflow generate --count 100 --out stdout | orderflow validate -', 'validate generated events')
      .example('orderflow validate --strict events.ndjson > /dev/null', 'fail a CI step on any invalid line'),
  handler: async ({ file, maxLineBytes, strict }) => {
    // Loaded here, not at the top: every CLI start would otherwise load this command's libraries.
    const { validateMessage } = await import('../../common/contract/validate.ts');
    const input = await openInput(file);
    let line = 0;
    let valid = 0;
    const flagged = new Map<string, number>();
    const rejected = new Map<string, number>();
    for await (const bytes of byteLines(input, maxLineBytes)) {
      line += 1;
      if (!Buffer.isBuffer(bytes)) {
        rejected.set('too_large', (rejected.get('too_large') ?? 0) + 1);
        const message = `line of ${bytes.bytes} bytes is over --max-line-bytes ${maxLineBytes} (Pub/Sub's limit is ${PUBSUB_MAX_MESSAGE_BYTES}): not read`;
        await writeAll(
          process.stdout,
          `${JSON.stringify({ line, valid: false, error_code: 'too_large', errors: [{ code: 'too_large', path: '', message }] })}\n`,
        );
        continue;
      }
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
    if (strict && valid < line) process.exitCode = 1;
  },
});

function summary(lines: number, valid: number, flagged: Map<string, number>, rejected: Map<string, number>): string {
  const list = (counts: Map<string, number>) =>
    [...counts]
      .sort()
      .map(([key, n]) => `${key} ${n}`)
      .join(', ');
  const flags = flagged.size ? ` (flagged: ${list(flagged)})` : '';
  const reasons = rejected.size ? ` (${list(rejected)})` : '';
  return `validated ${lines} lines: ${valid} valid${flags}, ${lines - valid} invalid${reasons}`;
}
