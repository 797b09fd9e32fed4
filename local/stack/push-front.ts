import { once } from 'node:events';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { OperationalError } from '../../common/errors.ts';
import { freePort } from '../gcloud-emulator.ts';

/** The push side of `orderflow up --mode push`: one endpoint for the emulator, N push-mode workers behind it. */
export interface PushFront {
  /** The URL the push subscription delivers to. */
  readonly endpoint: string;
  /** Flags for `orderflow setup`: the push endpoint and, with a certs URL, the ID token's audience and account. */
  readonly setupArgs: string[];
  /** Flags for worker n (1-based): push mode on its own port, checking tokens when they are sent. */
  workerArgs(n: number): string[];
  /**
   * Resolves once every worker answers /readyz with 200, however long they take to start (a
   * loaded machine can take a minute); rejects as soon as `exited()` names a worker that ended.
   */
  ready(exited: () => string | undefined): Promise<void>;
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
    upstream.on('error', () => outgoing.headersSent ? outgoing.destroy() : outgoing.writeHead(502).end());
    incoming.pipe(upstream);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const audience = endpoint;
  return {
    endpoint,
    setupArgs: ['--push-endpoint', endpoint, ...(certsUrl ? ['--push-audience', audience, '--push-service-account', SERVICE_ACCOUNT] : [])],
    workerArgs: (n) => ['--mode', 'push', '--port', String(ports[n - 1]), ...(certsUrl ? ['--push-audience', audience, '--push-service-account', SERVICE_ACCOUNT, '--push-certs-url', certsUrl] : [])],
    ready: async (exited) => {
      for (const port of ports) {
        while (!(await isReady(port))) {
          const gone = exited();
          if (gone) throw new OperationalError(`${gone} exited before it was ready to take pushes; see its log in the data directory's logs/`);
          await sleep(100);
        }
      }
    },
    close: async () => {
      agent.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function isReady(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200;
  } catch {
    return false;
  }
}
