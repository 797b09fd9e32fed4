import { defineCommand } from '../command.ts';
import { UsageError } from '../../common/errors.ts';
import { createLogger } from '../../common/logger.ts';
import { DEFAULT_BATCH_LIMITS } from '../../streaming/pipeline/micro-batcher.ts';
import { DUCKDB_HOLD_DEFAULTS, DUCKDB_WORKER_MEMORY_LIMIT } from '../../streaming/sinks/engines.ts';
import { ENGINES, openSink, type Engine } from '../../streaming/sinks/factory.ts';
import { memorySize, nonNegativeInteger, oneOf, port, positiveInteger, positiveNumber, warehouseOptions } from '../options.ts';

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
  port: number;
  pushAudience?: string;
  pushCertsUrl?: string;
  statsInterval: number;
  drainTimeoutMs: number;
}

export const workerCommand = defineCommand<Args>({
  command: 'worker',
  describe: 'Consume order events from Pub/Sub: validate, split, dedupe and write them to DuckDB or BigQuery, acking once durable',
  builder: (y) =>
    y
      .options({
        subscription: { type: 'string', default: 'orders-worker', describe: 'Pub/Sub subscription to pull from (pull mode)' },
        mode: { type: 'string', default: 'pull', coerce: oneOf('mode', ['pull', 'push']), describe: 'pull: streaming pull from --subscription; push: serve Pub/Sub push requests on --port' },
        sink: { type: 'string', default: 'duckdb', coerce: oneOf('sink', ENGINES), describe: `Warehouse to write to: ${ENGINES.join(' or ')}` },
        ...warehouseOptions,
        'duckdb-hold-ms': { type: 'number', default: DUCKDB_HOLD_DEFAULTS.maxHoldMs, coerce: nonNegativeInteger('duckdb-hold-ms'), describe: 'Give the DuckDB file up to another process waiting for it after holding it this long (0: close it after every batch; slower)' },
        'duckdb-memory-limit': { type: 'string', default: DUCKDB_WORKER_MEMORY_LIMIT, coerce: memorySize('duckdb-memory-limit'), describe: "DuckDB's memory_limit while writing: it caches the file's blocks up to this" },
        'max-messages': { type: 'number', default: 2000, coerce: positiveInteger('max-messages'), describe: 'Flow control: messages held unacked at most (exact bound)' },
        'max-bytes': { type: 'number', default: 64 * 1024 * 1024, coerce: positiveInteger('max-bytes'), describe: 'Flow control: message bytes held unacked at most' },
        streams: { type: 'number', default: 1, coerce: positiveInteger('streams'), describe: 'StreamingPull streams; Pub/Sub grants each the flow-control bound, so up to streams x --max-messages can sit in memory' },
        'batch-max-messages': { type: 'number', default: DEFAULT_BATCH_LIMITS.maxMessages, coerce: positiveInteger('batch-max-messages'), describe: 'Write a micro-batch once it holds this many messages (at most --max-messages; batches that queue behind a write are committed together)' },
        'batch-max-rows': { type: 'number', default: DEFAULT_BATCH_LIMITS.maxRows, coerce: positiveInteger('batch-max-rows'), describe: 'Write a micro-batch once it holds this many rows (all tables)' },
        'batch-max-bytes': { type: 'number', default: DEFAULT_BATCH_LIMITS.maxBytes, coerce: positiveInteger('batch-max-bytes'), describe: 'Write a micro-batch once its messages reach this many bytes' },
        'batch-max-age-ms': { type: 'number', default: DEFAULT_BATCH_LIMITS.maxAgeMs, coerce: positiveNumber('batch-max-age-ms'), describe: 'Write a micro-batch once its oldest message waited this long' },
        'batch-max-in-flight': { type: 'number', default: DEFAULT_BATCH_LIMITS.maxInFlight, coerce: positiveInteger('batch-max-in-flight'), describe: 'Micro-batches being written at once, so the sink has the next one when a write ends (more helps a sink far away, such as BigQuery)' },
        'dedupe-cache-size': { type: 'number', default: 100_000, coerce: positiveInteger('dedupe-cache-size'), describe: 'Recent event ids remembered to drop duplicates in process' },
        host: { type: 'string', default: process.env.K_SERVICE ? '0.0.0.0' : '127.0.0.1', describe: 'Interface for the HTTP server (default: 0.0.0.0 on Cloud Run, else 127.0.0.1)' },
        port: { type: 'number', default: Number(process.env.PORT ?? 8080), coerce: port('port'), describe: 'HTTP port for /healthz, /readyz and push requests (default: $PORT or 8080; 0 picks a free one)' },
        'push-audience': { type: 'string', describe: 'Push mode: require an OIDC token for this audience on every request' },
        'push-certs-url': { type: 'string', describe: "Push mode, local testing: check tokens against the signing certificates at this URL instead of Google's (the embedded emulator serves them at http://HOST:PORT/oauth2/v1/certs)" },
        'stats-interval': { type: 'number', default: 30, coerce: positiveNumber('stats-interval'), describe: 'Seconds between counter log lines' },
        'drain-timeout-ms': { type: 'number', default: 8000, coerce: positiveInteger('drain-timeout-ms'), describe: 'On SIGTERM, how long messages in processing may take before the rest are nacked' },
      })
      .check((args) => {
        if (args['batch-max-messages'] > args['max-messages']) throw new UsageError('--batch-max-messages must not exceed --max-messages (a batch could then only be written on age)');
        if (args['push-audience'] !== undefined && args.mode !== 'push') throw new UsageError('--push-audience only applies with --mode push');
        if (args['push-certs-url'] !== undefined && args['push-audience'] === undefined) throw new UsageError('--push-certs-url only applies with --push-audience');
        return true;
      })
      .example('PUBSUB_EMULATOR_HOST=127.0.0.1:8085 orderflow worker', 'pull from orders-worker into ./data/warehouse.duckdb')
      .example('PORT=8080 orderflow worker --mode push --push-audience https://worker.example.run.app', 'serve authenticated Pub/Sub push requests'),
  handler: async (args) => {
    // Loaded here, not at the top: every CLI start would otherwise load this command's libraries.
    const { startWorker } = await import('../../streaming/worker.ts');
    const logger = createLogger({ base: { component: 'worker' } });
    const sink = await openSink({ engine: args.sink, database: args.database, lockTimeoutMs: args.lockTimeoutMs, holdMs: args.duckdbHoldMs, memoryLimit: args.duckdbMemoryLimit, projectId: args.project });
    let failed = false;
    let resolveStopped = () => {};
    const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
    const worker = await startWorker({
      mode: args.mode,
      projectId: args.project,
      subscription: args.subscription,
      maxMessages: args.maxMessages,
      maxBytes: args.maxBytes,
      streams: args.streams,
      limits: { maxMessages: args.batchMaxMessages, maxRows: args.batchMaxRows, maxBytes: args.batchMaxBytes, maxAgeMs: args.batchMaxAgeMs, maxInFlight: args.batchMaxInFlight },
      dedupeCapacity: args.dedupeCacheSize,
      host: args.host,
      port: args.port,
      ...(args.pushAudience ? { pushAudience: args.pushAudience } : {}),
      ...(args.pushCertsUrl ? { pushCertsUrl: args.pushCertsUrl } : {}),
      statsIntervalMs: args.statsInterval * 1000,
      drainTimeoutMs: args.drainTimeoutMs,
    }, {
      sink,
      logger,
      onFatal: () => {
        failed = true;
        resolveStopped();
      },
    }).catch(async (error: unknown) => {
      await sink.close();
      throw error;
    });
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
