import { validateMessage } from '../../common/contract/validate.ts';
import { parseTimestampMicros, TimestampError } from '../../common/contract/timestamp.ts';
import type { Row } from '../rows.ts';
import type { InboundMessage } from '../pipeline/message.ts';
import { deadLetter, type DeadLetterReason } from '../pipeline/dead-letter.ts';

/**
 * The attributes Pub/Sub adds to a message it moves to a dead-letter topic
 * (https://cloud.google.com/pubsub/docs/handling-failures#track-delivery-attempts; the embedded
 * emulator sets the same, local/emulator/broker.ts).
 */
export const DEAD_LETTER_ATTRIBUTES = {
  subscription: 'CloudPubSubDeadLetterSourceSubscription',
  project: 'CloudPubSubDeadLetterSourceSubscriptionProject',
  deliveryCount: 'CloudPubSubDeadLetterSourceDeliveryCount',
  publishTime: 'CloudPubSubDeadLetterSourceTopicPublishTime',
} as const;

const PUBSUB_PREFIX = 'CloudPubSubDeadLetter';

/** The original message's attributes: what it was published with, without Pub/Sub's dead-letter ones. */
export function originalAttributes(attributes: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(attributes).filter(([key]) => !key.startsWith(PUBSUB_PREFIX)));
}

/**
 * The dead-letter row of a message that arrived through the dead-letter topic: Pub/Sub gave up on
 * it after its maximum delivery attempts. error_code `delivery_exhausted` (event-contract.md,
 * "Reasons"); the payload exactly as received; `attributes` the original ones, Pub/Sub's
 * CloudPubSubDeadLetter* attributes going to the source_* columns; event_id when the payload has
 * one. Should the validator reject the payload as well, its reasons follow the first one.
 */
export function exhaustedRow(message: InboundMessage, receivedAt: Date): Row {
  const get = (name: string) => message.attributes[name];
  const id = get(DEAD_LETTER_ATTRIBUTES.subscription);
  const project = get(DEAD_LETTER_ATTRIBUTES.project);
  const subscription = id === undefined ? null : project === undefined ? id : `projects/${project}/subscriptions/${id}`;
  const count = Number(get(DEAD_LETTER_ATTRIBUTES.deliveryCount));
  const deliveryCount = Number.isSafeInteger(count) && count > 0 ? count : null;
  const verdict = validateMessage(message.data);
  const eventId = verdict.valid ? verdict.event.event_id : verdict.eventId;
  const reasons: DeadLetterReason[] = [
    {
      code: 'delivery_exhausted',
      path: '',
      message: `Pub/Sub gave up after ${deliveryCount ?? 'its maximum'} delivery attempts on ${subscription ?? 'an unnamed subscription'} and moved the message to the dead-letter topic`,
    },
    ...(verdict.valid ? [] : verdict.errors),
  ];
  const original: InboundMessage = { ...message, attributes: originalAttributes(message.attributes) };
  return {
    ...deadLetter(original, 'delivery_exhausted', reasons, receivedAt, eventId),
    source_subscription: subscription,
    source_delivery_count: deliveryCount,
    source_publish_time: instantMicros(get(DEAD_LETTER_ATTRIBUTES.publishTime)),
  };
}

function instantMicros(text: string | undefined): bigint | null {
  if (text === undefined) return null;
  const micros = parseTimestampMicros(text);
  return micros instanceof TimestampError ? null : BigInt(micros);
}
