import { defineCommand } from '../command.ts';
import { UsageError } from '../../common/errors.ts';
import { createLogger } from '../../common/logger.ts';
import { DEFAULT_BATCH_LIMITS } from '../../streaming/pipeline/micro-batcher.ts';
import { DUCKDB_HOLD_DEFAULTS, DUCKDB_WORKER_MEMORY_LIMIT } from '../../streaming/sinks/engines.ts';
import { ENGINES, type Engine } from '../../common/engines.ts';
import { openSink } from '../../streaming/sinks/factory.ts';
import { memorySize, nonNegativeInteger, oneOf, port, positiveInteger, positiveNumber, warehouseOptions, pubsubName } from '../options.ts';

/** Pub/Sub's largest message (data and attributes), bytes. */
import { PUBSUB_MAX_MESSAGE_BYTES } from '../../common/pubsub-limits.ts';

interface Args {
  subscription: string;
  mode: 'pull' | 'push';
  sink: Engine;
  database: string;
  project: string;
  lockTimeoutMs: number;
  duckdbHoldMs: number;
  duckdbMemoryLimit: string;
  maxMessages: number;
  maxBytes: number;
  streams: number;
  batchMaxMessages: number;
  batchMaxRows: number;
  batchMaxBytes: number;
  batchMaxAgeMs: number;
  batchMaxInFlight: number;
  dedupeCacheSize: number;
  host: string;
  port?: number;
  pushAudience?: string;
  pushServiceAccount?: string;
  startupWait: number;
  deadLetterSubscription?: string;
  pushCertsUrl?: string;
  statsInterval: number;
  drainTimeoutMs: number;
  deadLetterStore: string;
}

export const workerCommand = defineCommand<Args>({
  command: 'worker',
  describe: 'Consume order events from Pub/Sub: validate, split, dedupe and write them to DuckDB or BigQuery, acking once durable',
  builder: (y) =>
    y
      .options({
        subscription: {
          type: 'string',
          default: 'orders-worker',
          coerce: pubsubName('subscription'),
          describe: 'Pub/Sub subscription to pull from (pull mode)',
        },
        mode: {
          type: 'string',
          default: 'pull',
          coerce: oneOf('mode', ['pull', 'push']),
          describe: 'pull: streaming pull from --subscription; push: serve Pub/Sub push requests on --port',
        },
        sink: { type: 'string', default: 'duckdb', coerce: oneOf('sink', ENGINES), describe: `Warehouse to write to: ${ENGINES.join(' or ')}` },
        ...warehouseOptions,
        'duckdb-hold-ms': {
          type: 'number',
          default: DUCKDB_HOLD_DEFAULTS.maxHoldMs,
          coerce: nonNegativeInteger('duckdb-hold-ms'),
          describe: 'Give the DuckDB file up to another process waiting for it after holding it this long (0: close it after every batch; slower)',
        },
        'duckdb-memory-limit': {
          type: 'string',
          default: DUCKDB_WORKER_MEMORY_LIMIT,
          coerce: memorySize('duckdb-memory-limit'),
          describe: "DuckDB's memory_limit while writing: it caches the file's blocks up to this",
        },
        'max-messages': {
          type: 'number',
          default: 2000,
          coerce: positiveInteger('max-messages'),
          describe: 'Flow control: messages held unacked at most (exact bound)',
        },
        'max-bytes': {
          type: 'number',
          default: 64 * 1024 * 1024,
          coerce: positiveInteger('max-bytes'),
          describe: "Flow control: message bytes held unacked at most (at least 10000000, Pub/Sub's largest message, so any message fits)",
        },
        streams: {
          type: 'number',
          default: 1,
          coerce: positiveInteger('streams'),
          describe: 'StreamingPull streams; Pub/Sub grants each the flow-control bound, so up to streams x --max-messages can sit in memory',
        },
        'batch-max-messages': {
          type: 'number',
          default: DEFAULT_BATCH_LIMITS.maxMessages,
          coerce: positiveInteger('batch-max-messages'),
          describe: 'Write a micro-batch once it holds this many messages (at most --max-messages; batches that queue behind a write are committed together)',
        },
        'batch-max-rows': {
          type: 'number',
          default: DEFAULT_BATCH_LIMITS.maxRows,
          coerce: positiveInteger('batch-max-rows'),
          describe: 'Write a micro-batch once it holds this many rows (all tables)',
        },
        'batch-max-bytes': {
          type: 'number',
          default: DEFAULT_BATCH_LIMITS.maxBytes,
          coerce: positiveInteger('batch-max-bytes'),
          describe: 'Write a micro-batch once its messages reach this many bytes',
        },
        'batch-max-age-ms': {
          type: 'number',
          default: DEFAULT_BATCH_LIMITS.maxAgeMs,
          coerce: positiveNumber('batch-max-age-ms'),
          describe: 'Write a micro-batch once its oldest message waited this long',
        },
        'batch-max-in-flight': {
          type: 'number',
          default: DEFAULT_BATCH_LIMITS.maxInFlight,
          coerce: positiveInteger('batch-max-in-flight'),
          describe: 'Micro-batches being written at once, so the sink has the next one when a write ends (more helps a sink far away, such as BigQuery)',
        },
        'dedupe-cache-size': {
          type: 'number',
          default: 100_000,
          coerce: positiveInteger('dedupe-cache-size'),
          describe: 'Recent event ids remembered to drop duplicates in process',
        },
        host: {
          type: 'string',
          default: process.env.K_SERVICE ? '0.0.0.0' : '127.0.0.1',
          describe: 'Interface for the HTTP server (default: 0.0.0.0 on Cloud Run, else 127.0.0.1)',
        },
        port: {
          type: 'number',
          coerce: port('port'),
          describe:
            'HTTP port for /health, /ready, /stats, /metrics and push requests (default: $PORT; else a free one in pull mode, logged, and 8080 in push mode)',
        },
        'push-audience': { type: 'string', describe: 'Push mode: require an OIDC token for this audience on every request (with --push-service-account)' },
        'push-service-account': {
          type: 'string',
          describe: "Push mode: the service account email the subscription's OIDC tokens must be issued to (with --push-audience)",
        },
        'startup-wait': {
          type: 'number',
          default: 0,
          coerce: nonNegativeInteger('startup-wait'),
          describe:
            'Seconds to wait at start-up for a missing subscription, table or permission, retrying every 5 s with /ready false (a first deploy, IAM propagation); 0 fails at once',
        },
        'dead-letter-subscription': {
          type: 'string',
          coerce: pubsubName('dead-letter-subscription'),
          describe:
            'Also write what Pub/Sub moved to the dead-letter topic into raw.dead_letter (delivery_exhausted): pull mode pulls this subscription, push mode takes its pushes on /dead-letters (setup names it orders-dead-letter)',
        },
        'push-certs-url': {
          type: 'string',
          describe:
            "Push mode, local testing: check tokens against the signing certificates at this URL instead of Google's (the embedded emulator serves them at http://HOST:PORT/oauth2/v1/certs)",
        },
        'stats-interval': { type: 'number', default: 30, coerce: positiveNumber('stats-interval'), describe: 'Seconds between counter log lines' },
        'dead-letter-store': {
          type: 'string',
          default: './data/dead-letters',
          describe:
            'gs://bucket/prefix or a directory: where the whole payload of a dead letter above 1 MiB is stored (its row keeps the first 1 MiB, the size, a sha256 and this location)',
        },
        'drain-timeout-ms': {
          type: 'number',
          default: 8000,
          coerce: positiveInteger('drain-timeout-ms'),
          describe: 'On SIGTERM, how long messages in processing may take before the rest are nacked',
        },
      })
      .check((args) => {
        if (args['batch-max-messages'] > args['max-messages'])
          throw new UsageError('--batch-max-messages must not exceed --max-messages (a batch could then only be written on age)');
        for (const flag of ['push-audience', 'push-service-account'] as const) {
          if (args[flag] !== undefined && args.mode !== 'push') throw new UsageError(`--${flag} only applies with --mode push`);
        }
        if ((args['push-audience'] === undefined) !== (args['push-service-account'] === undefined))
          throw new UsageError('--push-audience and --push-service-account go together: a token is checked for both');
        // The client holds back a message larger than the window (allowExcessMessages: false) for ever.
        if (args['max-bytes'] < PUBSUB_MAX_MESSAGE_BYTES)
          throw new UsageError(
            `--max-bytes must be at least ${PUBSUB_MAX_MESSAGE_BYTES} (Pub/Sub's largest message, 10 MB), got ${args['max-bytes']}: a larger message would never be delivered`,
          );
        if (args['push-certs-url'] !== undefined && args['push-audience'] === undefined)
          throw new UsageError('--push-certs-url only applies with --push-audience');
        return true;
      })
      .example('PUBSUB_EMULATOR_HOST=127.0.0.1:8085 orderflow worker', 'pull from orders-worker into ./data/warehouse.duckdb')
      .example(
        'PUBSUB_EMULATOR_HOST=127.0.0.1:8085 orderflow worker --dead-letter-subscription orders-dead-letter',
        'the same, and drain the dead-letter topic into raw.dead_letter',
      )
      .example(
        'PORT=8080 orderflow worker --mode push --push-audience https://worker.example.run.app --push-service-account push@p.iam.gserviceaccount.com',
        'serve authenticated Pub/Sub push requests',
      ),
  handler: async (args) => {
    // Loaded here, not at the top: every CLI start would otherwise load this command's libraries.
    const { startWorker } = await import('../../streaming/worker.ts');
    const logger = createLogger({ base: { component: 'worker' } });
    const sink = () =>
      openSink({
        engine: args.sink,
        database: args.database,
        lockTimeoutMs: args.lockTimeoutMs,
        holdMs: args.duckdbHoldMs,
        memoryLimit: args.duckdbMemoryLimit,
        projectId: args.project,
      });
    let failed = false;
    let resolveStopped = () => {};
    const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
    const worker = await startWorker(
      {
        mode: args.mode,
        projectId: args.project,
        subscription: args.subscription,
        maxMessages: args.maxMessages,
        maxBytes: args.maxBytes,
        streams: args.streams,
        limits: {
          maxMessages: args.batchMaxMessages,
          maxRows: args.batchMaxRows,
          maxBytes: args.batchMaxBytes,
          maxAgeMs: args.batchMaxAgeMs,
          maxInFlight: args.batchMaxInFlight,
        },
        dedupeCapacity: args.dedupeCacheSize,
        host: args.host,
        port: workerPort(args.port, args.mode),
        ...(args.pushAudience && args.pushServiceAccount ? { pushIdentity: { audience: args.pushAudience, serviceAccount: args.pushServiceAccount } } : {}),
        startupWaitMs: args.startupWait * 1000,
        ...(args.deadLetterSubscription ? { deadLetterSubscription: args.deadLetterSubscription } : {}),
        ...(args.pushCertsUrl ? { pushCertsUrl: args.pushCertsUrl } : {}),
        statsIntervalMs: args.statsInterval * 1000,
        drainTimeoutMs: args.drainTimeoutMs,
        deadLetterStore: args.deadLetterStore,
      },
      {
        sink,
        logger,
        onFatal: () => {
          failed = true;
          resolveStopped();
        },
      },
    );
    const onSignal = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'stopping');
      resolveStopped();
    };
    process.once('SIGTERM', onSignal).once('SIGINT', onSignal);
    await stopped;
    await worker.stop();
    if (failed) process.exitCode = 1;
  },
});

/**
 * Cloud Run sets $PORT. Elsewhere a pull worker takes a free port (logged in `worker started`), so a
 * second worker on the same machine starts as the first did; push needs a port known in advance.
 */
export function workerPort(flag: number | undefined, mode: 'pull' | 'push', env: NodeJS.ProcessEnv = process.env): number {
  if (flag !== undefined) return flag;
  if (env.PORT) return port('PORT')(env.PORT);
  return mode === 'push' ? 8080 : 0;
}
