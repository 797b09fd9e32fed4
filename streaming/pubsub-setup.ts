import { PubSub } from '@google-cloud/pubsub';
import { OperationalError } from '../common/errors.ts';

export interface PubSubSetup {
  projectId: string;
  topic: string;
  subscription: string;
  deadLetterTopic: string;
  /** Deliveries before Pub/Sub moves a message to the dead-letter topic (5-100). */
  maxDeliveryAttempts: number;
  /** Retry backoff bounds (s); Pub/Sub allows 0-600. */
  minBackoffSeconds: number;
  maxBackoffSeconds: number;
  ackDeadlineSeconds: number;
  /** Make the worker's subscription a push subscription to this URL (none: a pull subscription). */
  push?: { endpoint: string; oidc?: { audience: string; serviceAccountEmail: string } };
}

export interface SetupReport {
  created: string[];
  existing: string[];
}

const ALREADY_EXISTS = 6;

/**
 * Creates the topic, the dead-letter topic (with a subscription of its own so dead-lettered
 * messages are kept) and the worker's subscription with its dead-letter and retry policies.
 * Existing resources are left as they are.
 */
export async function setupPubSub(options: PubSubSetup): Promise<SetupReport> {
  const client = new PubSub({ projectId: options.projectId });
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
  try {
    await ensure(`topic ${options.topic}`, () => client.createTopic(options.topic));
    await ensure(`topic ${options.deadLetterTopic}`, () => client.createTopic(options.deadLetterTopic));
    await ensure(`subscription ${options.deadLetterTopic}`, () => client.topic(options.deadLetterTopic).createSubscription(options.deadLetterTopic));
    await ensure(`subscription ${options.subscription}`, () => client.topic(options.topic).createSubscription(options.subscription, {
      ackDeadlineSeconds: options.ackDeadlineSeconds,
      deadLetterPolicy: {
        deadLetterTopic: client.topic(options.deadLetterTopic).name,
        maxDeliveryAttempts: options.maxDeliveryAttempts,
      },
      retryPolicy: {
        minimumBackoff: { seconds: options.minBackoffSeconds },
        maximumBackoff: { seconds: options.maxBackoffSeconds },
      },
      ...(options.push ? { pushConfig: { pushEndpoint: options.push.endpoint, ...(options.push.oidc ? { oidcToken: options.push.oidc } : {}) } } : {}),
    }));
  } finally {
    await client.close();
  }
  return report;
}
