import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OperationalError } from '../common/errors.ts';
import type { Logger } from '../common/logger.ts';
import { openObjectStore } from '../common/object-store.ts';
import { DeadLetterDrain } from './dead-letters/drain.ts';
import type { BatchLimits } from './pipeline/micro-batcher.ts';
import { Pipeline } from './pipeline/pipeline.ts';
import type { ProcessedSpy } from './pipeline/processed-spy.ts';
import { WorkerStats } from './pipeline/stats.ts';
import type { RowSink } from './sinks/sink.ts';
import type { MessageHandler } from './pipeline/message-handler.ts';
import { workerRequestListener } from './source/http-server.ts';
import { workerMetrics } from './source/metrics.ts';
import { localCertsClient, oidcVerifier, type PushIdentity, type PushVerifier } from './source/push-auth.ts';
import { PullSource } from './source/pull-source.ts';
import { waitForStartup } from './startup-wait.ts';

export interface WorkerConfig {
  mode: 'pull' | 'push';
  projectId: string;
  subscription: string;
  maxMessages: number;
  maxBytes: number;
  streams: number;
  limits: BatchLimits;
  dedupeCapacity: number;
  host: string;
  port: number;
  /** Push mode: verify each request's OIDC token (audience and service account). */
  pushIdentity?: PushIdentity;
  /** At start-up, retry a missing subscription, table or permission this long (ms; readiness false meanwhile); 0 fails at once. */
  startupWaitMs?: number;
  /**
   * Also drain the dead-letter topic into raw.dead_letter (streaming/dead-letters): pull mode pulls
   * this subscription; push mode takes its push requests on DEAD_LETTER_PUSH_PATH.
   */
  deadLetterSubscription?: string;
  /** Push mode, local testing: verify tokens against the certificates at this URL, not Google's. */
  pushCertsUrl?: string;
  statsIntervalMs: number;
  /** Time given to messages in processing when stopping (Cloud Run allows 10 s after SIGTERM). */
  drainTimeoutMs: number;
  /** gs://bucket/prefix or a directory: whole payloads of dead letters too large for their row. */
  deadLetterStore?: string;
}

export interface WorkerDeps {
  /** The sink, or how to open it: opened once the port is bound, so a taken port touches no warehouse. */
  sink: RowSink | (() => Promise<RowSink>);
  logger: Logger;
  spy?: ProcessedSpy;
  /** Push mode: replaces the OIDC verifier built from pushIdentity (tests). */
  verifier?: PushVerifier;
  /** Called when the source fails for good; the worker should then be stopped. */
  onFatal?: (error: Error) => void;
}

export interface RunningWorker {
  readonly address: AddressInfo;
  readonly stats: WorkerStats;
  /** Stops taking messages, writes and settles what is in flight, closes the sink. */
  stop(): Promise<void>;
}

/** Wires a source (pull or push), the pipeline and the sink, with /health, /ready, /metrics and /stats on the port. */
export async function startWorker(config: WorkerConfig, deps: WorkerDeps): Promise<RunningWorker> {
  const { logger } = deps;
  const server = await listen(config.port, config.host);
  const address = server.address() as AddressInfo;
  // Until the sink is open the port answers as not ready (/health 200, /ready 503, pushes 503 so
  // Pub/Sub retries): a request with no listener would get no answer at all, and a readiness probe
  // or push sent in that window would hang until the client gives up.
  let serve = workerRequestListener({
    isReady: () => false,
    ...(config.mode === 'push' ? { push: { handler: NOT_STARTED } } : {}),
    logger,
    projectId: config.projectId,
  });
  server.on('request', (request, response) => serve(request, response));
  let sink: RowSink;
  try {
    sink = typeof deps.sink === 'function' ? await deps.sink() : deps.sink;
  } catch (error) {
    server.close();
    throw error;
  }
  const stats = new WorkerStats();
  const pipeline = new Pipeline({
    sink,
    limits: config.limits,
    dedupeCapacity: config.dedupeCapacity,
    stats,
    logger,
    ...(config.deadLetterStore ? { payloadStore: openObjectStore(config.deadLetterStore) } : {}),
    ...(deps.spy ? { spy: deps.spy } : {}),
  });
  const drain = config.deadLetterSubscription ? new DeadLetterDrain({ sink, limits: config.limits, logger }) : undefined;
  let ready = false;
  const verify =
    deps.verifier ??
    (config.pushIdentity ? oidcVerifier(config.pushIdentity, ...(config.pushCertsUrl ? [localCertsClient(config.pushCertsUrl)] : [])) : undefined);
  serve = workerRequestListener({
    isReady: () => ready,
    metrics: workerMetrics(stats),
    ...(config.mode === 'push'
      ? { push: { handler: pipeline, ...(drain ? { deadLetters: drain } : {}), ...(verify ? { verify } : {}), onBadRequest: () => (stats.badRequests += 1) } }
      : {}),
    logger,
    projectId: config.projectId,
  });

  const pullFrom = (subscription: string, streams: number) =>
    new PullSource({
      projectId: config.projectId,
      subscription,
      maxMessages: config.maxMessages,
      maxBytes: config.maxBytes,
      streams,
      drainTimeoutMs: config.drainTimeoutMs,
      logger,
      onFatal: (error) => {
        logger.error({ err: error, subscription }, 'subscriber failed');
        deps.onFatal?.(error);
      },
    });
  const source = config.mode === 'pull' ? pullFrom(config.subscription, config.streams) : undefined;
  const deadLetterSource = config.mode === 'pull' && drain ? pullFrom(config.deadLetterSubscription!, 1) : undefined;
  try {
    await waitForStartup(
      async () => {
        await sink.verify?.();
        await source?.check();
      },
      { waitMs: config.startupWaitMs ?? 0, logger, context: { port: address.port } },
    );
    await source?.start(pipeline);
    await deadLetterSource?.start(drain!);
  } catch (error) {
    await source?.stop();
    server.close();
    await sink.close();
    throw error;
  }
  ready = true;
  const statsTimer = setInterval(() => logger.info({ ...stats.snapshot(), ...drainCounters(drain) }, 'worker stats'), config.statsIntervalMs).unref();
  logger.info(
    { mode: config.mode, subscription: config.subscription, dead_letter_subscription: config.deadLetterSubscription ?? null, port: address.port },
    'worker started',
  );

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      ready = false;
      clearInterval(statsTimer);
      // Stop taking work (the subscriber's close waits for messages in processing; the server
      // finishes open requests) while the pipeline writes what it holds right away.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([source?.stop(), deadLetterSource?.stop(), pipeline.drain(), drain?.drain()]);
      await Promise.all([pipeline.drain(), drain?.drain()]);
      server.closeIdleConnections();
      await closed;
      await sink.close();
      logger.info({ ...stats.snapshot(), ...drainCounters(drain) }, 'worker stopped');
    })();
    return stopping;
  };
  return { address, stats, stop };
}

/** Push requests before the pipeline exists: nacked, so Pub/Sub redelivers them with backoff. */
const NOT_STARTED: MessageHandler = { handle: (_, settle) => settle({ kind: 'nack', error: new Error('worker starting') }) };

/** The drain's counters, named like the worker's (`<stage>.<event>`), when it runs. */
const drainCounters = (drain: DeadLetterDrain | undefined) =>
  drain ? { 'dead_letters.received': drain.counts.received, 'dead_letters.written': drain.counts.written, 'dead_letters.nacked': drain.counts.nacked } : {};

/** Binds the HTTP port first: a taken port is one line, before any warehouse or subscription is touched. */
async function listen(port: number, host: string): Promise<Server> {
  const server = createServer();
  server.listen(port, host);
  try {
    await once(server, 'listening');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new OperationalError(`port ${port} on ${host} is in use (another worker?): pass --port 0 for a free one, or another --port`);
    throw new OperationalError(`cannot listen on ${host}:${port}: ${code ?? (error as Error).message}`);
  }
  return server;
}
