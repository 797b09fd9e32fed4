import { status } from '@grpc/grpc-js';
import type { PushConfigResource } from './push.ts';

// The shapes proto-loader gives us (camelCase, longs as strings), only the fields the emulator reads;
// every other field is kept as sent and echoed back by Get/List.
export interface DurationValue {
  seconds?: string | number;
  nanos?: number;
}

export interface TopicResource {
  name: string;
  [field: string]: unknown;
}

export interface SubscriptionResource {
  name: string;
  topic: string;
  ackDeadlineSeconds?: number;
  deadLetterPolicy?: { deadLetterTopic?: string; maxDeliveryAttempts?: number } | null;
  retryPolicy?: { minimumBackoff?: DurationValue | null; maximumBackoff?: DurationValue | null } | null;
  pushConfig?: PushConfigResource | null;
  filter?: string;
  enableMessageOrdering?: boolean;
  messageRetentionDuration?: DurationValue | null;
  [field: string]: unknown;
}

/** An error the gRPC layer returns as a status, with the real service's code. */
export class RpcError extends Error {
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
  }
}

export const notFound = (resource: string) => new RpcError(status.NOT_FOUND, `Resource not found (resource=${resource}).`);
export const alreadyExists = (what: string) => new RpcError(status.ALREADY_EXISTS, `${what} already exists`);
export const invalidArgument = (message: string) => new RpcError(status.INVALID_ARGUMENT, message);
export const resourceExhausted = (message: string) => new RpcError(status.RESOURCE_EXHAUSTED, message);

// Resource ids: start with a letter, 3-255 of letters, digits and - _ . ~ + %, not starting with "goog".
const ID = '([A-Za-z][A-Za-z0-9\\-_.~+%]{2,254})';
const TOPIC_NAME = new RegExp(`^projects/([^/]+)/topics/${ID}$`);
const SUBSCRIPTION_NAME = new RegExp(`^projects/([^/]+)/subscriptions/${ID}$`);

export interface ParsedName {
  project: string;
  id: string;
}

export function parseTopicName(name: string | undefined): ParsedName {
  return parseName(name, TOPIC_NAME, 'topic');
}

export function parseSubscriptionName(name: string | undefined): ParsedName {
  return parseName(name, SUBSCRIPTION_NAME, 'subscription');
}

function parseName(name: string | undefined, pattern: RegExp, kind: string): ParsedName {
  const match = pattern.exec(name ?? '');
  if (!match || (match[2] as string).startsWith('goog')) throw invalidArgument(`Invalid [${kind}s] name: (name=${name ?? ''})`);
  return { project: match[1] as string, id: match[2] as string };
}

export function durationMs(value: DurationValue | null | undefined, fallbackMs: number): number {
  if (!value) return fallbackMs;
  return Number(value.seconds ?? 0) * 1000 + Math.floor((value.nanos ?? 0) / 1e6);
}
