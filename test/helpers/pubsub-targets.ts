import { type Message, PubSub, v1 } from '@google-cloud/pubsub';
import { credentials } from '@grpc/grpc-js';
import { type GcloudEmulator, gcloudOnPath, startGcloudEmulator } from '../../local/gcloud-emulator.ts';
import { startEmulator, type RunningEmulator } from '../../local/emulator/index.ts';

export type Limitation = 'streamingFlowControl' | 'retryPolicy' | 'filter' | 'orderedRedelivery';

/** A Pub/Sub emulator the conformance suite runs against. */
export interface Target {
  name: string;
  address: string;
  /** Shortest ack deadline it accepts: the real minimum is 10 s; the embedded emulator allows 1 s. */
  minAckDeadlineSeconds: number;
  /** Behaviour of the service this target does not have, with why: those cases are skipped on it. */
  limitations: Partial<Record<Limitation, string>>;
  close(): Promise<void>;
}

export type TargetOrSkip = { name: string; target: Target; skip?: undefined } | { name: string; target?: undefined; skip: string };

export async function embeddedTarget(): Promise<TargetOrSkip> {
  const emulator: RunningEmulator = await startEmulator();
  return {
    name: 'embedded',
    target: { name: 'embedded', address: emulator.address, minAckDeadlineSeconds: 2, limitations: {}, close: () => emulator.close() },
  };
}

/** gcloud's emulator when gcloud is on PATH and starts; otherwise the reason it is skipped. */
export async function gcloudTarget(): Promise<TargetOrSkip> {
  if (!gcloudOnPath()) return { name: 'gcloud', skip: 'gcloud is not on PATH' };
  let emulator: GcloudEmulator;
  try {
    emulator = await startGcloudEmulator();
  } catch (error) {
    return { name: 'gcloud', skip: `gcloud's Pub/Sub emulator did not start: ${(error as Error).message}` };
  }
  // Both found by running this suite against it: it sends everything and redelivers at once.
  const limitations = {
    streamingFlowControl: "gcloud's emulator ignores StreamingPull max_outstanding_messages",
    retryPolicy: "gcloud's emulator ignores retry policies (redelivers a nacked message at once)",
    filter: "gcloud's emulator accepts a filter and delivers every message anyway",
    orderedRedelivery: "gcloud's emulator hands out a key's later messages while an earlier one is outstanding and does not redeliver them after it is nacked",
  };
  return { name: 'gcloud', target: { name: 'gcloud', address: emulator.address, minAckDeadlineSeconds: 10, limitations, close: () => emulator.close() } };
}

// Offline: the client must not go looking for a GCE metadata server (and warn when there is none).
process.env.METADATA_SERVER_DETECTION ??= 'none';

const RUN = `of-${Date.now().toString(36)}-${process.pid}`;
let sequence = 0;

/** Run-unique resource ids so targets and reruns never collide. */
export function uniqueId(kind: string): string {
  return `${RUN}-${kind}-${++sequence}`;
}

/** The official client, and its low-level subscriber for unary Pull, pointed at one target. */
export class TargetClients {
  readonly projectId = 'orderflow-conformance';
  readonly pubsub: PubSub;
  readonly subscriber: v1.SubscriberClient;
  private readonly extra: PubSub[] = [];

  constructor(readonly target: Target) {
    this.pubsub = this.newPubSub();
    const [host, port] = target.address.split(':') as [string, string];
    this.subscriber = new v1.SubscriberClient({ servicePath: host, port: Number(port), sslCreds: credentials.createInsecure(), projectId: this.projectId });
  }

  /** Another client with its own connection, as a second process would have. */
  newPubSub(): PubSub {
    const client = new PubSub({ apiEndpoint: this.target.address, emulatorMode: true, projectId: this.projectId });
    this.extra.push(client);
    return client;
  }

  subscriptionPath(id: string): string {
    return `projects/${this.projectId}/subscriptions/${id}`;
  }

  /** One unary Pull that does not wait for messages. */
  async pullNow(subscriptionId: string, maxMessages = 100) {
    const [response] = await this.subscriber.pull({ subscription: this.subscriptionPath(subscriptionId), maxMessages, returnImmediately: true });
    return response.receivedMessages ?? [];
  }

  /** Polls with unary Pull until a message comes, or fails after timeoutMs. */
  async pullUntilAny(subscriptionId: string, timeoutMs: number) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const received = await this.pullNow(subscriptionId);
      if (received.length > 0) return received;
      if (Date.now() > deadline) throw new Error(`no message on ${subscriptionId} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async close(): Promise<void> {
    await this.subscriber.close();
    await Promise.all(this.extra.map((client) => client.close()));
  }
}

/** Resolves with the first `count` messages a listener receives (leaving them unacked). */
export function collect(
  subscription: { on(event: 'message', listener: (message: Message) => void): unknown },
  count: number,
  timeoutMs: number,
): Promise<Message[]> {
  return new Promise((resolve, reject) => {
    const got: Message[] = [];
    const timer = setTimeout(() => reject(new Error(`received ${got.length} of ${count} messages within ${timeoutMs} ms`)), timeoutMs);
    subscription.on('message', (message: Message) => {
      got.push(message);
      if (got.length === count) {
        clearTimeout(timer);
        resolve(got);
      }
    });
  });
}
