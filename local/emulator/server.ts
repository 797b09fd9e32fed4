import { createServer } from 'node:net';
import { Server, ServerCredentials, status } from '@grpc/grpc-js';
import { OperationalError } from '../../common/errors.ts';
import { Broker } from './broker.ts';
import { type FaultOptions, resolveFaults } from './faults.ts';
import { loadPubSubServices } from './proto.ts';
import { RpcError } from './resources.ts';
import { publisherImplementation, subscriberImplementation, withFastCodecs } from './services.ts';
import type { StreamingPullSession } from './streaming-pull.ts';

export interface EmulatorOptions {
  /** Interface to listen on; loopback by default. */
  host?: string;
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Fault injection, all off by default. */
  faults?: Partial<FaultOptions>;
}

export interface RunningEmulator {
  readonly host: string;
  readonly port: number;
  /** host:port, the value for PUBSUB_EMULATOR_HOST or the client's apiEndpoint. */
  readonly address: string;
  readonly broker: Broker;
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
  const broker = new Broker(faults);
  const sessions = new Set<StreamingPullSession>();
  let opened = 0;
  const services = withFastCodecs(loadPubSubServices());
  const server = new Server({
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
    // Without this a second emulator could silently share the port with the first.
    'grpc.so_reuseport': 0,
  });
  server.addService(services.publisher, publisherImplementation(broker));
  server.addService(
    services.subscriber,
    subscriberImplementation(broker, (session) => {
      opened++;
      sessions.add(session);
    }, (session) => sessions.delete(session)),
  );
  const port = await bind(server, host, options.port ?? 0);

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
      const force = setTimeout(() => server.forceShutdown(), SHUTDOWN_GRACE_MS);
      server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
    return closing;
  };
  const streams = () => ({ open: sessions.size, opened });
  return { host, port, address: `${host.includes(':') ? `[${host}]` : host}:${port}`, broker, dropStreams, streams, close };
}

async function bind(server: Server, host: string, port: number): Promise<number> {
  // grpc-js logs its own multi-line error for a taken port; find out first, with a plain socket.
  if (port !== 0) await assertPortFree(host, port);
  return new Promise((resolve, reject) => {
    const target = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    server.bindAsync(target, ServerCredentials.createInsecure(), (error, boundPort) => {
      if (!error) return resolve(boundPort);
      server.forceShutdown();
      if (/EADDRINUSE/.test(error.message)) reject(new OperationalError(`port ${port} on ${host} is already in use`));
      else if (/EADDRNOTAVAIL|ENOTFOUND|EAI_AGAIN/.test(error.message)) reject(new OperationalError(`cannot listen on ${host}: no such local address`));
      else reject(new OperationalError(`cannot listen on ${target}: ${error.message}`));
    });
  });
}

function assertPortFree(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') reject(new OperationalError(`port ${port} on ${host} is already in use`));
      else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') reject(new OperationalError(`cannot listen on ${host}: no such local address`));
      else reject(new OperationalError(`cannot listen on ${host}:${port}: ${error.message}`));
    });
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}
