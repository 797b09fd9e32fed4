import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../../common/logger.ts';
import { PushAuthError, PushRequestError, PushTooLargeError } from '../errors.ts';
import type { MessageHandler } from '../pipeline/message-handler.ts';
import { acks, type Outcome } from '../pipeline/outcome.ts';
import type { WorkerMetrics } from './metrics.ts';
import type { PushVerifier } from './push-auth.ts';
import { pushMessage } from './push-message.ts';
import { traceLogFields } from './trace-context.ts';

export interface WorkerServerOptions {
  /** Ready to take traffic (the sink open, the source started, not draining). */
  isReady: () => boolean;
  /** GET /metrics (Prometheus text) and GET /stats (JSON). */
  metrics?: WorkerMetrics;
  /**
   * Push mode: POSTs are Pub/Sub push requests fed to `handler` (the same port the pull source feeds); with `deadLetters`, those on
   * DEAD_LETTER_PUSH_PATH (the dead-letter topic's push subscription) go to it instead. Requests
   * that are not push messages are answered 400/413 and reported to `onBadRequest`.
   */
  push?: { handler: MessageHandler; deadLetters?: MessageHandler; verify?: PushVerifier; onBadRequest?: () => void };
  logger: Logger;
  /** The project a request's trace belongs to: push requests' log lines carry it (Cloud Logging trace correlation). */
  projectId: string;
}

/** Where the dead-letter topic's push subscription delivers (terraform/pubsub.tf). */
export const DEAD_LETTER_PUSH_PATH = '/dead-letters';

// Pub/Sub messages are at most 10 MB; the wrapped envelope base64-encodes them.
const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** Liveness and readiness paths. Cloud Run reserves paths ending in `z` (Google's front end answers
 * /healthz itself), so probes use /health and /ready; /healthz and /readyz stay as local aliases. */
export const HEALTH_PATHS: readonly string[] = ['/health', '/healthz'];
export const READY_PATHS: readonly string[] = ['/ready', '/readyz'];

/**
 * The worker's HTTP surface on $PORT: /health (the process is alive), /ready (it can take
 * messages), /metrics and /stats (its counters), and in push mode Pub/Sub push requests on any
 * other path. A request listener, so the worker binds its port before opening the sink and tests
 * serve it on any port.
 */
export function workerRequestListener(options: WorkerServerOptions): RequestListener {
  const arrivals = new Arrivals();
  return (request, response) => {
    void handle(options, arrivals, request, response).catch((error: unknown) => {
      options.logger.error({ ...traceLogFields(request.headers.traceparent, options.projectId), err: error }, 'push request failed');
      reply(response, 500, 'internal error');
    });
  };
}

/**
 * Push requests being read (body, token), and the keep-alive connections that bring each handler
 * its requests. A connection carries one request at a time, and one that has just been answered
 * is where the next request comes from; so once no request is being read, each handler hears how
 * many of its connections have a request in hand or were answered in the last RECENT_MS
 * (allIn): when each of those has its request waiting in the micro-batch, waiting longer cannot
 * grow the batch. A connection idle for longer (a proxy's spare one) no longer counts; one idle
 * for less holds the batch to its age limit at most. Checked after the poll phase (setImmediate),
 * so requests whose bytes came in together, on many connections, are all read first.
 */
class Arrivals {
  private reading = 0;
  /** Per handler, its connections: the time each was last answered, or BUSY while it has a request. */
  private readonly connections = new Map<MessageHandler, Map<Socket, number>>();
  private scheduled = false;

  begin(): void {
    this.reading += 1;
  }

  /** The request was refused before reaching a handler. */
  refused(): void {
    this.reading -= 1;
    this.check();
  }

  handed(handler: MessageHandler, socket: Socket): void {
    this.reading -= 1;
    let sockets = this.connections.get(handler);
    if (!sockets) this.connections.set(handler, (sockets = new Map()));
    if (!sockets.has(socket)) {
      socket.once('close', () => {
        sockets.delete(socket);
        this.check();
      });
    }
    sockets.set(socket, BUSY);
    this.check();
  }

  answered(handler: MessageHandler, socket: Socket): void {
    const sockets = this.connections.get(handler)!;
    if (sockets.has(socket)) sockets.set(socket, performance.now());
  }

  private check(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.reading > 0) return;
      const since = performance.now() - RECENT_MS;
      for (const [handler, sockets] of this.connections) {
        let open = 0;
        for (const answeredAt of sockets.values()) if (answeredAt >= since) open += 1;
        handler.allIn?.(open);
      }
    });
  }
}

const BUSY = Number.POSITIVE_INFINITY;
/** How long an answered connection counts as bringing its next request (ms). */
const RECENT_MS = 1000;

async function handle(options: WorkerServerOptions, arrivals: Arrivals, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = (request.url ?? '/').split('?')[0];
  if (request.method === 'GET' && HEALTH_PATHS.includes(path!)) return reply(response, 200, 'ok');
  if (request.method === 'GET' && READY_PATHS.includes(path!)) return options.isReady() ? reply(response, 200, 'ready') : reply(response, 503, 'not ready');
  if (request.method === 'GET' && options.metrics && path === '/metrics') {
    response.writeHead(200, { 'content-type': options.metrics.contentType });
    return void response.end(await options.metrics.prometheus());
  }
  if (request.method === 'GET' && options.metrics && path === '/stats') {
    response.writeHead(200, { 'content-type': 'application/json' });
    return void response.end(JSON.stringify(options.metrics.json()));
  }
  if (!options.push || request.method !== 'POST') return reply(response, 404, 'not found');
  const { deadLetters, verify } = options.push;
  const handler = deadLetters && path === DEAD_LETTER_PUSH_PATH ? deadLetters : options.push.handler;
  let processing: Promise<Outcome> | undefined;
  arrivals.begin();
  try {
    await verify?.(request.headers.authorization);
    const message = pushMessage(await readBody(request), request.headers, new Date());
    processing = new Promise((settle) => handler.handle(message, settle));
  } catch (error) {
    arrivals.refused();
    return refuse(options, request, response, error);
  }
  arrivals.handed(handler, request.socket);
  const outcome = await processing;
  // 2xx once the rows or the dead letter are durable; 5xx makes Pub/Sub retry with backoff.
  if (acks(outcome)) reply(response, 204);
  else reply(response, 503, outcome.kind === 'nack' ? outcome.error.message : 'retry');
  arrivals.answered(handler, request.socket);
}

/** Answers a push request that failed before its message reached the handler; rethrows what is not the request's fault. */
function refuse(options: WorkerServerOptions, request: IncomingMessage, response: ServerResponse, error: unknown): void {
  if (error instanceof PushAuthError) return reply(response, 401, error.message);
  if (!(error instanceof PushRequestError)) throw error;
  // Counted, never stored: a request that is not a push message has no message to dead-letter.
  options.push?.onBadRequest?.();
  options.logger.warn(
    { ...traceLogFields(request.headers.traceparent, options.projectId), status: error instanceof PushTooLargeError ? 413 : 400, reason: error.message },
    'push request refused',
  );
  if (!(error instanceof PushTooLargeError)) return reply(response, 400, error.message);
  // Answer at once and close: the client may still be sending, and this connection is not reused.
  response.shouldKeepAlive = false;
  reply(response, 413, error.message);
  request.resume();
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new PushTooLargeError(`push request larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function reply(response: ServerResponse, status: number, text?: string): void {
  if (response.headersSent) return;
  response.writeHead(status, text === undefined ? {} : { 'content-type': 'text/plain; charset=utf-8' });
  response.end(text);
}
