import { defineCommand } from '../command.ts';
import { createLogger } from '../../common/logger.ts';
import { ProgressLine } from '../../common/progress.ts';
import { positiveInteger, positiveNumber, pubsubName } from '../options.ts';
import { PUBSUB_MAX_MESSAGE_BYTES } from '../../common/pubsub-limits.ts';

interface Args {
  source: string;
  topic: string;
  project: string;
  orderingKey: boolean;
  rate?: number;
  maxInFlight: number;
}

export const replayCommand = defineCommand<Args>({
  command: 'replay [source]',
  describe: 'Publish an NDJSON file of events to Pub/Sub, one message a line, the bytes as they are (the worker judges them)',
  builder: (y) =>
    y
      .positional('source', { type: 'string', default: '-', describe: 'NDJSON file of events, gs://bucket/object, or - for stdin' })
      .options({
        topic: { type: 'string', default: 'orders', coerce: pubsubName('topic'), describe: 'Pub/Sub topic to publish to' },
        project: {
          type: 'string',
          default: process.env.GOOGLE_CLOUD_PROJECT ?? 'orderflow-local',
          describe: 'Google Cloud project (default: $GOOGLE_CLOUD_PROJECT or orderflow-local)',
        },
        'ordering-key': { type: 'boolean', default: true, describe: "Set each event's order_id as the ordering key (--no-ordering-key for more throughput)" },
        rate: { type: 'number', coerce: positiveNumber('rate'), describe: 'Messages a second, token bucket (default: as fast as Pub/Sub takes them)' },
        'max-in-flight': { type: 'number', default: 2000, coerce: positiveInteger('max-in-flight'), describe: 'Publishes awaiting Pub/Sub at most' },
      })
      .example('PUBSUB_EMULATOR_HOST=127.0.0.1:8085 orderflow replay events.ndjson', 'publish a file to the local emulator')
      .example('orderflow generate --count 100 | orderflow replay - --rate 10', 'from stdin, 10 a second')
      .example('orderflow replay gs://my-bucket/exports/2026-11-20.ndjson --project my-project', 'from GCS'),
  handler: async (args) => {
    // Loaded here, not at the top: every CLI start would otherwise load the Pub/Sub and GCS clients.
    const [{ publishNdjson, emptyCounts }, { openLocation }, { byteLines }] = await Promise.all([
      import('../../generator/publish-ndjson.ts'),
      import('../../common/open-location.ts'),
      import('../../common/ndjson.ts'),
    ]);
    const logger = createLogger({ base: { component: 'replay' } });
    const input = await openLocation(args.source);
    const counts = emptyCounts();
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
    const started = performance.now();
    const progress = new ProgressLine(() => {
      const rate = counts.published / Math.max(0.001, (performance.now() - started) / 1000);
      return `lines ${counts.lines}  published ${counts.published}  failed ${counts.failed}  ${rate.toFixed(0)} msg/s`;
    });
    try {
      await publishNdjson(byteLines(input, PUBSUB_MAX_MESSAGE_BYTES), {
        projectId: args.project,
        topic: args.topic,
        orderingKey: args.orderingKey,
        ...(args.rate ? { rate: args.rate } : {}),
        maxInFlight: args.maxInFlight,
        logger,
        signal: stop.signal,
        counts,
      });
    } finally {
      progress.stop();
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    }
    const summary = {
      source: args.source,
      topic: args.topic,
      ...counts,
      not_events: counts.lines - counts.blank - counts.parsed,
      interrupted: stop.signal.aborted,
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    logger.info({ ...summary, seconds: Number(((performance.now() - started) / 1000).toFixed(2)) }, 'replay finished');
    if (counts.failed > 0) {
      process.stderr.write(`orderflow: ${counts.failed} of ${counts.published + counts.failed} publishes failed (see the log lines above)\n`);
      process.exitCode = 1;
    }
  },
});
