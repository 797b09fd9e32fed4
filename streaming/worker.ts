import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../common/logger.ts';
import type { BatchLimits } from './pipeline/micro-batcher.ts';
import { Pipeline } from './pipeline/pipeline.ts';
import type { ProcessedSpy } from './pipeline/processed-spy.ts';
import { WorkerStats } from './pipeline/stats.ts';
import type { RowSink } from './sinks/sink.ts';
import { createWorkerServer } from './source/http-server.ts';
import { localCertsClient, oidcVerifier, type PushVerifier } from './source/push-auth.ts';
import { PullSource } from './source/pull-source.ts';

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
  /** Push mode: verify the OIDC token of each request against this audience. */
  pushAudience?: string;
  /** Push mode, local testing: verify tokens against the certificates at this URL, not Google's. */
  pushCertsUrl?: string;
  statsIntervalMs: number;
  /** Time given to messages in processing when stopping (Cloud Run allows 10 s after SIGTERM). */
  drainTimeoutMs: number;
}

export interface WorkerDeps {
  sink: RowSink;
  logger: Logger;
  spy?: ProcessedSpy;
  /** Push mode: replaces the OIDC verifier built from pushAudience (tests). */
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

/** Wires a source (pull or push), the pipeline and the sink, with /healthz and /readyz on the port. */
export async function startWorker(config: WorkerConfig, deps: WorkerDeps): Promise<RunningWorker> {
  const { logger, sink } = deps;
  const stats = new WorkerStats();
  const pipeline = new Pipeline({ sink, limits: config.limits, dedupeCapacity: config.dedupeCapacity, stats, ...(deps.spy ? { spy: deps.spy } : {}) });
  let ready = false;
  const verify = deps.verifier
    ?? (config.pushAudience ? oidcVerifier(config.pushAudience, ...(config.pushCertsUrl ? [localCertsClient(config.pushCertsUrl)] : [])) : undefined);
  const server = createWorkerServer({
    isReady: () => ready,
    ...(config.mode === 'push' ? { push: { pipeline, ...(verify ? { verify } : {}) } } : {}),
    logger,
  });
  server.listen(config.port, config.host);
  await once(server, 'listening');
  const address = server.address() as AddressInfo;

  const source = config.mode === 'pull'
    ? new PullSource({
      projectId: config.projectId,
      subscription: config.subscription,
      maxMessages: config.maxMessages,
      maxBytes: config.maxBytes,
      streams: config.streams,
      drainTimeoutMs: config.drainTimeoutMs,
      logger,
      onFatal: (error) => {
        logger.error({ err: error }, 'subscriber failed');
        deps.onFatal?.(error);
      },
    })
    : undefined;
  try {
    await source?.start((message, settle) => pipeline.handle(message, settle));
  } catch (error) {
    server.close();
    throw error;
  }
  ready = true;
  const statsTimer = setInterval(() => logger.info(stats.snapshot(), 'worker stats'), config.statsIntervalMs).unref();
  logger.info({ mode: config.mode, subscription: config.subscription, port: address.port }, 'worker started');

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      ready = false;
      clearInterval(statsTimer);
      // Stop taking work (the subscriber's close waits for messages in processing; the server
      // finishes open requests) while the pipeline writes what it holds right away.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([source?.stop(), pipeline.drain()]);
      await pipeline.drain();
      server.closeIdleConnections();
      await closed;
      await sink.close();
      logger.info(stats.snapshot(), 'worker stopped');
    })();
    return stopping;
  };
  return { address, stats, stop };
}
