import { defineCommand } from '../command.ts';
import { EARLIEST_MICROS } from '../../common/contract/timestamp.ts';
import { UsageError } from '../../common/errors.ts';
import { createLogger } from '../../common/logger.ts';
import { ProgressLine } from '../../common/progress.ts';
import { outputKind, type MessageOutput } from '../../generator/outputs/output.ts';
import { catalogOptions, instant, lifecycleSpeedOption, positiveInteger, positiveNumber, probability, pubsubName } from '../options.ts';

interface Args {
  count?: number;
  rate?: number;
  seed: number;
  startTime?: number;
  out: string;
  topic: string;
  project: string;
  duplicateRate: number;
  invalidRate: number;
  updateRate: number;
  eventInterval?: number;
  realTime?: boolean;
  lifecycleSpeed: number;
  customers: number;
  products: number;
  sellers: number;
  maxInFlight: number;
  orderingKey: boolean;
}

/** Mean simulated seconds between events of a simulated history (--count). */
const DEFAULT_EVENT_INTERVAL = 300;

export const generateCommand = defineCommand<Args>({
  command: 'generate',
  describe: 'Generate Olist-shaped order events to Pub/Sub, stdout or a file',
  builder: (y) =>
    y
      .options({
        count: { type: 'number', coerce: positiveInteger('count'), describe: 'Messages to send (default: until Ctrl-C)' },
        rate: { type: 'number', coerce: positiveNumber('rate'), describe: 'Messages a second, token bucket (default: as fast as the output takes them)' },
        ...catalogOptions,
        'start-time': {
          type: 'string',
          coerce: instant('start-time'),
          describe:
            'Start of the event clock, RFC 3339; the history spans --count x --event-interval from it and must end by now (default: that span before now, so the last event is about now and none later)',
        },
        out: {
          type: 'string',
          default: 'stdout',
          describe: 'pubsub, stdout (or -), or a file path with a / or an extension (NDJSON): ./events, events.ndjson',
        },
        topic: { type: 'string', default: 'orders', coerce: pubsubName('topic'), describe: 'Pub/Sub topic (with --out pubsub)' },
        project: {
          type: 'string',
          default: process.env.GOOGLE_CLOUD_PROJECT ?? 'orderflow-local',
          describe: 'Google Cloud project (default: $GOOGLE_CLOUD_PROJECT or orderflow-local)',
        },
        'duplicate-rate': {
          type: 'number',
          default: 0,
          coerce: probability('duplicate-rate'),
          describe: 'Share of messages that republish an earlier event (same event_id)',
        },
        'invalid-rate': { type: 'number', default: 0, coerce: probability('invalid-rate'), describe: 'Share of invalid messages, a mix of every reason code' },
        'update-rate': {
          type: 'number',
          default: 0,
          coerce: probability('update-rate'),
          describe: 'Share of order_updated events moving earlier orders along their lifecycle',
        },
        'event-interval': {
          type: 'number',
          coerce: positiveNumber('event-interval'),
          describe: `Mean simulated seconds between events on the event clock (default: ${DEFAULT_EVENT_INTERVAL}; with --count only)`,
        },
        'real-time': {
          type: 'boolean',
          describe:
            'The event clock is the wall clock: events carry the time they are made (default: on without --count, a live feed; off with --count, simulated history)',
        },
        'lifecycle-speed': { ...lifecycleSpeedOption('1'), default: 1 },
        'max-in-flight': { type: 'number', default: 2000, coerce: positiveInteger('max-in-flight'), describe: 'Publishes awaiting Pub/Sub at most' },
        'ordering-key': {
          type: 'boolean',
          default: false,
          describe:
            "Set order_id as the ordering key (~40x slower to publish; the worker does not need it: it dedupes and keeps each order's latest event by time)",
        },
      })
      .check((args) => {
        if (args['duplicate-rate'] + args['invalid-rate'] + args['update-rate'] > 1)
          throw new UsageError('--duplicate-rate + --invalid-rate + --update-rate must not exceed 1');
        const realTime = args['real-time'] ?? args.count === undefined;
        if (realTime && args['start-time'] !== undefined)
          throw new UsageError('--start-time applies to simulated history (--count, or --no-real-time), not a real-time feed');
        if (realTime && args['event-interval'] !== undefined)
          throw new UsageError('--event-interval applies to simulated history (--count, or --no-real-time), not a real-time feed');
        if (!realTime && args.count === undefined) throw new UsageError('--no-real-time needs --count: an endless simulated clock runs ahead of time');
        if (!realTime && args['start-time'] !== undefined) {
          // Events dated outside the contract's range would all be dead-lettered.
          if (args['start-time'] * 1000 < EARLIEST_MICROS)
            throw new UsageError(`--start-time ${new Date(args['start-time']).toISOString()} is before 2000-01-01, outside the event contract's range`);
          const end = historyEnd(args['start-time'], args.count!, args['event-interval']);
          if (end > Date.now())
            throw new UsageError(
              `--start-time ${new Date(args['start-time']).toISOString()} with --count ${args.count} x --event-interval ${args['event-interval'] ?? DEFAULT_EVENT_INTERVAL} s ends at ${new Date(end).toISOString()}, in the future: start earlier, or send fewer or closer events`,
            );
        }
        // A bare word is a mistyped output name far more often than a file meant in this directory.
        const out = String(args.out);
        if (outputKind(out) === 'file' && !/[/\\.]/.test(out))
          throw new UsageError(`--out ${out} is not pubsub, stdout or -: for a file in this directory write ./${out}`);
        return true;
      })
      .example('orderflow generate --count 1000 --seed 7 --start-time 2026-11-20T00:00:00Z --out stdout', 'reproducible events as NDJSON')
      .example(
        'PUBSUB_EMULATOR_HOST=127.0.0.1:8085 orderflow generate --out pubsub --rate 500 --invalid-rate 0.02',
        'a live feed to an emulator, in real time',
      ),
  handler: async (args) => {
    // Loaded here, not at the top: every CLI start would otherwise load this command's libraries.
    const { runGenerator } = await import('../../generator/run.ts');
    const { EventStream } = await import('../../generator/stream.ts');
    const logger = createLogger({ base: { component: 'generator' } });
    const realTime = args.realTime ?? args.count === undefined;
    const eventInterval = args.eventInterval ?? DEFAULT_EVENT_INTERVAL;
    // Simulated history ends by now (about now by default), lifecycle updates included: none is in the future.
    const now = Date.now();
    const startTime = args.startTime ?? (realTime ? now : now - args.count! * eventInterval * 1000);
    const stream = new EventStream({
      seed: args.seed,
      startTime,
      eventInterval,
      lifecycleSpeed: args.lifecycleSpeed,
      ...(realTime
        ? { wallClock: Date.now }
        : { history: { endTime: args.startTime === undefined ? now : historyEnd(startTime, args.count!, eventInterval), messages: args.count! } }),
      duplicateRate: args.duplicateRate,
      invalidRate: args.invalidRate,
      updateRate: args.updateRate,
      sizes: { customers: args.customers, products: args.products, sellers: args.sellers },
    });
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
    const output = await openOutput(args, logger, stop.signal).catch((error: unknown) => {
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
      throw error;
    });
    const started = performance.now();
    const progress = new ProgressLine(() => {
      const { published, failed, inFlight } = output.stats();
      const rate = published / Math.max(0.001, (performance.now() - started) / 1000);
      return `published ${published}  failed ${failed}  in flight ${inFlight}  ${rate.toFixed(0)} msg/s`;
    });
    logger.info(
      { seed: args.seed, start_time: new Date(startTime).toISOString(), real_time: realTime, out: args.out, ordering_key: args.orderingKey },
      'generating',
    );
    try {
      const result = await runGenerator(stream, output, {
        count: args.count,
        rate: args.rate,
        signal: stop.signal,
        onShortfall: (shortfall) =>
          logger.warn(
            { ...shortfall, ordering_key: args.orderingKey },
            `--rate ${args.rate} not reached: ${shortfall.achieved_rate} msg/s over the last ${shortfall.window_s} s`,
          ),
      });
      progress.stop();
      const seconds = (performance.now() - started) / 1000;
      logger.info({ ...result, seconds: Number(seconds.toFixed(2)), interrupted: stop.signal.aborted }, 'generator finished');
      if (result.failed > 0) process.exitCode = 1;
    } finally {
      progress.stop();
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    }
  },
});

/** When a simulated history from `startTime` ends: --count x --event-interval later (ms since epoch). */
const historyEnd = (startTime: number, count: number, eventInterval = DEFAULT_EVENT_INTERVAL) => startTime + count * eventInterval * 1000;

async function openOutput(args: Args, logger: ReturnType<typeof createLogger>, signal: AbortSignal): Promise<MessageOutput> {
  const { StreamOutput } = await import('../../generator/outputs/stream-output.ts');
  const kind = outputKind(args.out);
  if (kind === 'stdout') return StreamOutput.toStdout();
  if (kind === 'pubsub') {
    const { PubSubOutput } = await import('../../generator/outputs/pubsub-output.ts');
    const output = new PubSubOutput({ projectId: args.project, topic: args.topic, maxInFlight: args.maxInFlight, ordering: args.orderingKey, logger, signal });
    await output.verify();
    return output;
  }
  return StreamOutput.toFile(args.out);
}
