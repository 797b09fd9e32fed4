import { once } from 'node:events';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from '../gcloud-emulator.ts';

/** The push side of `orderflow up --mode push`: one endpoint for the emulator, N push-mode workers behind it. */
export interface PushFront {
  /** The URL the push subscription delivers to. */
  readonly endpoint: string;
  /** Flags for `orderflow setup`: the push endpoint and, with a certs URL, the ID token's audience and account. */
  readonly setupArgs: string[];
  /** Flags for worker n (1-based): push mode on its own port, checking tokens when they are sent. */
  workerArgs(n: number): string[];
  close(): Promise<void>;
}

const SERVICE_ACCOUNT = 'orderflow-push@orderflow-local.iam.gserviceaccount.com';

/**
 * Starts a round-robin HTTP front on a free loopback port for `workers` push-mode workers, as
 * Cloud Run's load balancer is for a push subscription's single URL. `certsUrl` (the embedded
 * emulator's) turns on ID tokens: the subscription asks for them and the workers verify them.
 */
export async function startPushFront(workers: number, certsUrl: string | undefined): Promise<PushFront> {
  const ports: number[] = [];
  for (let n = 0; n < workers; n++) ports.push(await freePort());
  const agent = new Agent({ keepAlive: true });
  let next = 0;
  const server = createServer((incoming, outgoing) => {
    const port = ports[next++ % ports.length] as number;
    const upstream = request({ host: '127.0.0.1', port, method: incoming.method, path: incoming.url, headers: incoming.headers, agent }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    // A worker not (yet) listening is a failed push: Pub/Sub retries it.
    upstream.on('error', () => (outgoing.headersSent ? outgoing.destroy() : outgoing.writeHead(502).end()));
    incoming.pipe(upstream);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const audience = endpoint;
  return {
    endpoint,
    setupArgs: ['--push-endpoint', endpoint, ...(certsUrl ? ['--push-audience', audience, '--push-service-account', SERVICE_ACCOUNT] : [])],
    workerArgs: (n) => [
      '--mode',
      'push',
      '--port',
      String(ports[n - 1]),
      ...(certsUrl ? ['--push-audience', audience, '--push-service-account', SERVICE_ACCOUNT, '--push-certs-url', certsUrl] : []),
    ],
    close: async () => {
      agent.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
