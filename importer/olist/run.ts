import { rename, rm } from 'node:fs/promises';
import type { Logger } from '../../common/logger.ts';
import type { ObjectStore } from '../../common/object-store.ts';
import { ProgressLine } from '../../common/progress.ts';
import { outputKind, type MessageOutput, type OutputStats } from '../../generator/outputs/output.ts';
import type { ImportedEvent } from './events.ts';
import { importOlist, type ImportReport } from './import.ts';
import { SourceClock } from './local-time.ts';

export interface ImportRunOptions {
  source: ObjectStore;
  /** pubsub, stdout (or -), or an NDJSON file path. */
  out: string;
  sourceTimeZone: string;
  /** With out = pubsub. */
  pubsub: { projectId: string; topic: string; maxInFlight: number; ordering: boolean };
  logger: Logger;
}

export interface ImportRunResult extends OutputStats {
  report: ImportReport;
  seconds: number;
}

/**
 * `orderflow import olist`: the Kaggle folder's history into Pub/Sub or NDJSON, with a progress
 * line on a terminal and a JSON log line per phase on stderr.
 */
export async function runImport(options: ImportRunOptions): Promise<ImportRunResult> {
  const clock = new SourceClock(options.sourceTimeZone);
  const output = await openOutput(options);
  const started = performance.now();
  let phase = 'starting';
  let done = 0;
  const progress = new ProgressLine(() => {
    const { published, failed, inFlight } = output.stats();
    return `${phase} ${done}  published ${published}  failed ${failed}  in flight ${inFlight}`;
  });
  let lastPhase = '';
  try {
    let report: ImportReport;
    try {
      report = await importOlist({
        source: options.source,
        clock,
        emit: (event) => output.send(messageOf(event)),
        onProgress: (name, count) => {
          if (name !== lastPhase) options.logger.info({ phase: name }, `import: ${name}`);
          [phase, done, lastPhase] = [name, count, name];
        },
      });
    } catch (error) {
      // Flush what was sent and release the client, so the one-line error is not followed by a hang.
      await output.close().catch(() => undefined);
      // A file cut off part way would pass for a whole history: the draft goes, whatever was at --out stays.
      if (outputKind(options.out) === 'file') await rm(draftOf(options.out), { force: true });
      throw error;
    }
    const stats = await output.close();
    if (outputKind(options.out) === 'file') await rename(draftOf(options.out), options.out);
    return { report, ...stats, seconds: (performance.now() - started) / 1000 };
  } finally {
    progress.stop();
  }
}

/** An NDJSON file is written beside its final name and renamed once the import has succeeded. */
const draftOf = (out: string) => `${out}.partial`;

/**
 * The one place the importer publishes: the generator's outputs (Pub/Sub with its batching,
 * bounded in-flight and retries; NDJSON). Attributes as the generator sets them; ordering key order_id.
 */
async function openOutput(options: ImportRunOptions): Promise<MessageOutput> {
  const { StreamOutput } = await import('../../generator/outputs/stream-output.ts');
  const kind = outputKind(options.out);
  if (kind === 'stdout') return StreamOutput.toStdout();
  if (kind === 'file') return StreamOutput.toFile(draftOf(options.out));
  const { PubSubOutput } = await import('../../generator/outputs/pubsub-output.ts');
  const output = new PubSubOutput({ ...options.pubsub, logger: options.logger });
  // A wrong emulator address or a missing topic: one line within seconds, before any file is read.
  await output.verify();
  return output;
}

const messageOf = (event: ImportedEvent) => ({
  data: Buffer.from(event.json),
  attributes: { event_id: event.eventId, event_type: event.eventType, schema_version: '1' },
  orderingKey: event.orderId,
  kind: event.eventType === 'order_created' ? ('created' as const) : ('updated' as const),
});
