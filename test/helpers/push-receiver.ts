import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PushRequest {
  at: number;
  /** Requests open at this one's arrival, itself included. */
  concurrent: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The wrapped envelope, when the body is one. */
  json?: {
    message: { data?: string; attributes?: Record<string, string>; messageId?: string; message_id?: string; publishTime?: string; orderingKey?: string };
    subscription: string;
    deliveryAttempt?: number;
  };
}

/**
 * A push endpoint for tests: records every request and answers with what `answer` returns (a
 * status, or a promise of one to hold the request open). `waitFor(n)` resolves once n requests came.
 */
export class PushReceiver {
  readonly requests: PushRequest[] = [];
  inFlight = 0;
  maxInFlight = 0;
  private readonly server: Server;
  private waiters: { count: number; resolve: () => void }[] = [];

  constructor(private answer: (request: PushRequest, index: number) => number | Promise<number> = () => 204) {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', async () => {
        const body = Buffer.concat(chunks);
        let json: PushRequest['json'];
        try {
          json = JSON.parse(body.toString('utf8')) as PushRequest['json'];
        } catch {
          json = undefined;
        }
        this.inFlight++;
        const recorded: PushRequest = {
          at: Date.now(),
          concurrent: this.inFlight,
          headers: request.headers,
          body,
          ...(json && typeof json === 'object' && 'message' in json ? { json } : {}),
        };
        this.requests.push(recorded);
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        this.waiters = this.waiters.filter((waiter) => (this.requests.length >= waiter.count ? (waiter.resolve(), false) : true));
        const status = await this.answer(recorded, this.requests.length - 1);
        this.inFlight--;
        if (!response.destroyed) response.writeHead(status).end();
      });
    });
  }

  setAnswer(answer: (request: PushRequest, index: number) => number | Promise<number>): void {
    this.answer = answer;
  }

  async start(): Promise<string> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/push`;
  }

  waitFor(count: number, timeoutMs = 30_000): Promise<void> {
    if (this.requests.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.requests.length} of ${count} push requests within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
