import { PubSub } from '@google-cloud/pubsub';
import { OperationalError } from '../common/errors.ts';
import { firstPubSubCall } from '../common/pubsub-reach.ts';

export interface PubSubSetup {
  projectId: string;
  topic: string;
  subscription: string;
  deadLetterTopic: string;
  /** The dead-letter topic's subscription, which workers drain into raw.dead_letter (default: the topic's name). */
  deadLetterSubscription?: string;
  /** Deliveries before Pub/Sub moves a message to the dead-letter topic (5-100). */
  maxDeliveryAttempts: number;
  /** Retry backoff bounds (s); Pub/Sub allows 0-600. */
  minBackoffSeconds: number;
  maxBackoffSeconds: number;
  ackDeadlineSeconds: number;
  /** Make the worker's subscription a push subscription to this URL (none: a pull subscription). */
  push?: { endpoint: string; oidc?: { audience: string; serviceAccountEmail: string } };
  /** Runs once Pub/Sub has answered and before anything is created (setup: the warehouse, so an unreachable Pub/Sub leaves no file behind). */
  beforeChanges?: () => Promise<void>;
}

export interface SetupReport {
  created: string[];
  existing: string[];
}

const ALREADY_EXISTS = 6;

/**
 * Creates the topic, the dead-letter topic with a subscription of its own (dead-lettered messages
 * are kept there until a worker writes them to raw.dead_letter; the same retry policy, and no
 * dead-letter policy: there is nowhere further to go) and the worker's subscription with its
 * dead-letter and retry policies. Existing resources are left as they are.
 */
export async function setupPubSub(options: PubSubSetup): Promise<SetupReport> {
  const client = new PubSub({ projectId: options.projectId });
  // A wrong emulator address or no credentials: one line within seconds, not a hang.
  await firstPubSubCall(options.projectId, `topic ${options.topic}`, () => client.topic(options.topic).exists()).catch(async (error: unknown) => {
    void client.close().catch(() => undefined);
    throw error;
  });
  if (options.beforeChanges)
    await options.beforeChanges().catch(async (error: unknown) => {
      await client.close();
      throw error;
    });
  const report: SetupReport = { created: [], existing: [] };
  const ensure = async (name: string, create: () => Promise<unknown>) => {
    try {
      await create();
      report.created.push(name);
    } catch (error) {
      if ((error as { code?: number }).code !== ALREADY_EXISTS) throw new OperationalError(`cannot create ${name}: ${(error as Error).message}`);
      report.existing.push(name);
    }
  };
  const retryPolicy = {
    minimumBackoff: { seconds: options.minBackoffSeconds },
    maximumBackoff: { seconds: options.maxBackoffSeconds },
  };
  try {
    await ensure(`topic ${options.topic}`, () => client.createTopic(options.topic));
    await ensure(`topic ${options.deadLetterTopic}`, () => client.createTopic(options.deadLetterTopic));
    const deadLetterSubscription = options.deadLetterSubscription ?? options.deadLetterTopic;
    await ensure(`subscription ${deadLetterSubscription}`, () =>
      client.topic(options.deadLetterTopic).createSubscription(deadLetterSubscription, {
        ackDeadlineSeconds: options.ackDeadlineSeconds,
        retryPolicy,
      }),
    );
    await ensure(`subscription ${options.subscription}`, () =>
      client.topic(options.topic).createSubscription(options.subscription, {
        ackDeadlineSeconds: options.ackDeadlineSeconds,
        deadLetterPolicy: {
          deadLetterTopic: client.topic(options.deadLetterTopic).name,
          maxDeliveryAttempts: options.maxDeliveryAttempts,
        },
        retryPolicy,
        ...(options.push ? { pushConfig: { pushEndpoint: options.push.endpoint, ...(options.push.oidc ? { oidcToken: options.push.oidc } : {}) } } : {}),
      }),
    );
  } finally {
    await client.close();
  }
  return report;
}
