import type { IncomingHttpHeaders } from 'node:http';
import { PushRequestError } from '../errors.ts';
import type { InboundMessage } from '../pipeline/message.ts';

interface WrappedPush {
  message: {
    data?: string;
    attributes?: Record<string, string>;
    messageId?: string;
    message_id?: string;
    publishTime?: string;
    publish_time?: string;
    orderingKey?: string;
  };
  subscription: string;
  deliveryAttempt?: number;
}

const METADATA = 'x-goog-pubsub-';
// Headers that HTTP clients, proxies and Cloud Run add. With write_metadata Pub/Sub sends each
// attribute as a header of its own name, so every other header is taken as an attribute.
const NOT_ATTRIBUTES = new Set([
  'host',
  'connection',
  'content-type',
  'content-length',
  'content-encoding',
  'transfer-encoding',
  'accept',
  'accept-encoding',
  'accept-language',
  'cache-control',
  'pragma',
  'user-agent',
  'authorization',
  'cookie',
  'origin',
  'referer',
  'from',
  'forwarded',
  'via',
  'te',
  'upgrade',
  'priority',
  'expect',
  'traceparent',
  'tracestate',
  'x-cloud-trace-context',
  'x-real-ip',
  'x-request-id',
]);
const NOT_ATTRIBUTE_PREFIXES = [METADATA, 'sec-', 'x-forwarded-', 'x-goog-', 'x-envoy-', 'x-serverless-'];
const isAttribute = (header: string) => !NOT_ATTRIBUTES.has(header) && !NOT_ATTRIBUTE_PREFIXES.some((prefix) => header.startsWith(prefix));

/**
 * A Pub/Sub push request as an InboundMessage. Wrapped (the default): a JSON envelope with the
 * message base64-encoded. Unwrapped (no_wrapper with write_metadata): the body is the message data,
 * the metadata arrives as x-goog-pubsub-* headers and attributes as headers. Anything else throws
 * PushRequestError (HTTP 400): an unwrapped push without write_metadata carries no message id, so it
 * cannot be told from a stray request and is refused rather than stored under a made-up id.
 */
export function pushMessage(body: Buffer, headers: IncomingHttpHeaders, receivedAt: Date): InboundMessage {
  if (headers[`${METADATA}message-id`]) return fromUnwrapped(body, headers, receivedAt);
  const wrapped = asWrapped(body);
  if (!wrapped) {
    throw new PushRequestError(
      'not a Pub/Sub push message: expected the JSON envelope {"message": {...}, "subscription": "..."} or an unwrapped push with write_metadata (x-goog-pubsub-message-id)',
    );
  }
  return fromWrapped(wrapped, receivedAt);
}

function asWrapped(body: Buffer): WrappedPush | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  const candidate = value as Partial<WrappedPush> | null;
  const isWrapped =
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.subscription === 'string' &&
    typeof candidate.message === 'object' &&
    candidate.message !== null;
  return isWrapped ? (candidate as WrappedPush) : undefined;
}

function fromWrapped({ message, deliveryAttempt }: WrappedPush, receivedAt: Date): InboundMessage {
  const id = message.messageId ?? message.message_id;
  if (typeof id !== 'string' || !id) throw new PushRequestError('push message without messageId');
  const published = message.publishTime ?? message.publish_time;
  // A JSON envelope can hold anything: fields of the wrong type are a bad request, never a TypeError.
  if (message.data !== undefined && typeof message.data !== 'string') throw new PushRequestError('push message data is not a base64 string');
  if (published !== undefined && typeof published !== 'string') throw new PushRequestError('push message publishTime is not a string');
  if (message.orderingKey !== undefined && typeof message.orderingKey !== 'string') throw new PushRequestError('push message orderingKey is not a string');
  const attributes = message.attributes ?? {};
  if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes) || Object.values(attributes).some((v) => typeof v !== 'string')) {
    throw new PushRequestError('push message attributes are not an object of strings');
  }
  return {
    id,
    data: Buffer.from(message.data ?? '', 'base64'),
    attributes,
    publishTime: published ? parseTime(published) : receivedAt,
    ...(message.orderingKey ? { orderingKey: message.orderingKey } : {}),
    ...(typeof deliveryAttempt === 'number' ? { deliveryAttempt } : {}),
  };
}

function fromUnwrapped(body: Buffer, headers: IncomingHttpHeaders, receivedAt: Date): InboundMessage {
  const header = (name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!isAttribute(name) || value === undefined) continue;
    attributes[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const id = header(`${METADATA}message-id`);
  if (!id) throw new PushRequestError('unwrapped push without x-goog-pubsub-message-id');
  const published = header(`${METADATA}publish-time`);
  const orderingKey = header(`${METADATA}ordering-key`);
  return {
    id,
    data: body,
    attributes,
    publishTime: published ? parseTime(published) : receivedAt,
    ...(orderingKey ? { orderingKey } : {}),
  };
}

function parseTime(text: string): Date {
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new PushRequestError(`push message with an unreadable publish time: ${text}`);
  return date;
}
