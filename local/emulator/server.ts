import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { Server, ServerCredentials, status } from '@grpc/grpc-js';
import { OperationalError } from '../../common/errors.ts';
import { Broker } from './broker.ts';
import { DEFAULT_MAX_HELD_BYTES, DEFAULT_PUSH_MAX_CONCURRENCY } from './limits.ts';
import { CERTS_PATH, PushTokenSigner } from './push-token.ts';
import { type FaultOptions, resolveFaults } from './faults.ts';
import { loadPubSubRoot, loadPubSubServices } from './proto.ts';
import { RpcError } from './resources.ts';
import { restGateway } from './rest.ts';
import { publisherImplementation, subscriberImplementation, withFastCodecs } from './services.ts';
import type { StreamingPullSession } from './streaming-pull.ts';

export interface EmulatorOptions {
  /** Interface to listen on; loopback by default. */
  host?: string;
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Fault injection, all off by default. */
  faults?: Partial<FaultOptions>;
  /** Push subscriptions' concurrent requests at most, each (default DEFAULT_PUSH_MAX_CONCURRENCY). */
  pushMaxConcurrency?: number;
  /** Bytes of unacknowledged messages held at most before Publish fails with RESOURCE_EXHAUSTED (default DEFAULT_MAX_HELD_BYTES). */
  maxHeldBytes?: number;
}

export interface RunningEmulator {
  readonly host: string;
  readonly port: number;
  /** host:port, the value for PUBSUB_EMULATOR_HOST or the client's apiEndpoint. */
  readonly address: string;
  readonly broker: Broker;
  /** Where the signing certificates of push ID tokens are served (Google's PEM certs format). */
  readonly certsUrl: string;
  /** Ends every open StreamingPull stream with UNAVAILABLE (clients reconnect); returns how many. */
  dropStreams(): number;
  /** StreamingPull streams open now and opened since start. */
  streams(): { open: number; opened: number };
  /** Ends all streams and stops listening. */
  close(): Promise<void>;
}

// Publish requests can be 10 MB (the service's limit); leave headroom.
const MAX_MESSAGE_BYTES = 20 * 1024 * 1024;
const SHUTDOWN_GRACE_MS = 2000;

/** Starts the Pub/Sub emulator in this process. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const host = options.host ?? '127.0.0.1';
  const faults = resolveFaults(options.faults);
  const maxConcurrency = options.pushMaxConcurrency ?? DEFAULT_PUSH_MAX_CONCURRENCY;
  if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1) throw new RangeError(`pushMaxConcurrency must be a positive integer, got ${maxConcurrency}`);
  const tokens = new PushTokenSigner();
  const maxHeldBytes = options.maxHeldBytes ?? DEFAULT_MAX_HELD_BYTES;
  if (!Number.isInteger(maxHeldBytes) || maxHeldBytes < 1) throw new RangeError(`maxHeldBytes must be a positive integer, got ${maxHeldBytes}`);
  const broker = new Broker(faults, { maxConcurrency, tokens }, maxHeldBytes);
  const sessions = new Set<StreamingPullSession>();
  let opened = 0;
  const services = withFastCodecs(loadPubSubServices());
  const server = new Server({
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  });
  const publisher = publisherImplementation(broker);
  const subscriber = subscriberImplementation(
    broker,
    (session) => {
      opened++;
      sessions.add(session);
    },
    (session) => sessions.delete(session),
  );
  server.addService(services.publisher, publisher);
  server.addService(services.subscriber, subscriber);
  const gateway = restGateway(loadPubSubRoot(), {
    'google.pubsub.v1.Publisher': { definition: services.publisher, implementation: publisher },
    'google.pubsub.v1.Subscriber': { definition: services.subscriber, implementation: subscriber },
  });
  const rest = createHttpServer((request, response) => {
    if (request.method === 'GET' && request.url === CERTS_PATH) {
      void tokens.certs().then((certs) => {
        response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=3600' });
        response.end(JSON.stringify(certs));
      });
    } else gateway(request, response);
  });
  const listener = createServer(sniffProtocol(server.createConnectionInjector(ServerCredentials.createInsecure()), rest));
  const port = await listen(listener, host, options.port ?? 0);

  const dropStreams = (): number => {
    const open = [...sessions];
    for (const session of open) session.fail(new RpcError(status.UNAVAILABLE, 'Stream dropped by fault injection.'));
    return open.length;
  };
  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      for (const session of [...sessions]) session.fail(new RpcError(status.UNAVAILABLE, 'The emulator is shutting down.'));
      broker.close();
      listener.close();
      rest.closeAllConnections();
      const force = setTimeout(() => server.forceShutdown(), SHUTDOWN_GRACE_MS);
      server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
    return closing;
  };
  const streams = () => ({ open: sessions.size, opened });
  const address = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  return { host, port, address, broker, certsUrl: `http://${address}${CERTS_PATH}`, dropStreams, streams, close };
}

// Every HTTP/2 connection starts with this preface (RFC 9113 3.4); no HTTP/1.1 method starts with "PRI".
const HTTP2_PREFACE = Buffer.from('PRI * HTTP/2.0');

/**
 * One port for both APIs: a connection whose first bytes are the HTTP/2 preface goes to the gRPC
 * server, any other to the HTTP/1.1 REST server. The bytes read to decide are put back first.
 */
function sniffProtocol(grpc: { injectConnection(socket: Socket): void }, rest: { emit(event: 'connection', socket: Socket): boolean }) {
  return (socket: Socket) => {
    let seen = Buffer.alloc(0);
    const onReadable = () => {
      for (let chunk = socket.read() as Buffer | null; chunk; chunk = socket.read() as Buffer | null) seen = Buffer.concat([seen, chunk]);
      const isHttp2 = seen.subarray(0, HTTP2_PREFACE.length).equals(HTTP2_PREFACE.subarray(0, Math.min(seen.length, HTTP2_PREFACE.length)));
      // Undecided until the preface is complete or a byte differs from it.
      if (isHttp2 && seen.length < HTTP2_PREFACE.length) return;
      socket.off('readable', onReadable);
      socket.unshift(seen);
      if (isHttp2) grpc.injectConnection(socket);
      else rest.emit('connection', socket);
    };
    socket.on('readable', onReadable);
    socket.on('error', () => socket.destroy());
  };
}

function listen(listener: NetServer, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    listener.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') reject(new OperationalError(`port ${port} on ${host} is already in use`));
      else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN')
        reject(new OperationalError(`cannot listen on ${host}: no such local address`));
      else reject(new OperationalError(`cannot listen on ${host}:${port}: ${error.message}`));
    });
    // exclusive: a second emulator must not silently share the port with the first.
    listener.listen({ host, port, exclusive: true }, () => resolve((listener.address() as { port: number }).port));
  });
}
