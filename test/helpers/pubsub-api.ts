import { v1 } from '@google-cloud/pubsub';
import { credentials, status } from '@grpc/grpc-js';
import { fromProto3JSON, type JSONObject } from 'proto3-json-serializer';
import type protobuf from 'protobufjs';
import { loadPubSubRoot } from '../../local/emulator/proto.ts';
import { toJson } from '../../local/emulator/rest.ts';

// Plain objects in the shapes of google.pubsub.v1 (camelCase, Durations as {seconds}), the same
// whichever transport carried them, so one test case runs over gRPC and over REST.
export type Fields = Record<string, unknown>;

export interface PublishedMessage {
  data: Buffer;
  attributes?: Record<string, string>;
  orderingKey?: string;
}

export interface ReceivedMessage {
  ackId: string;
  deliveryAttempt?: number;
  message: { data: Buffer; attributes: Record<string, string>; messageId: string; publishTime: Date; orderingKey?: string };
}

/** The Publisher and Subscriber unary methods the conformance cases use. Errors carry the gRPC `code`. */
export interface PubSubApi {
  readonly transport: 'grpc' | 'rest';
  readonly projectId: string;
  createTopic(name: string): Promise<Fields>;
  getTopic(name: string): Promise<Fields>;
  listTopics(): Promise<Fields[]>;
  deleteTopic(name: string): Promise<void>;
  publish(topic: string, messages: PublishedMessage[]): Promise<string[]>;
  createSubscription(subscription: Fields & { name: string; topic: string }): Promise<Fields>;
  getSubscription(name: string): Promise<Fields>;
  updateSubscription(subscription: Fields & { name: string }, paths: string[]): Promise<Fields>;
  listTopicSubscriptions(topic: string): Promise<string[]>;
  deleteSubscription(name: string): Promise<void>;
  modifyPushConfig(subscription: string, pushConfig: Fields): Promise<void>;
  pull(subscription: string, maxMessages: number, returnImmediately: boolean): Promise<ReceivedMessage[]>;
  acknowledge(subscription: string, ackIds: string[]): Promise<void>;
  modifyAckDeadline(subscription: string, ackIds: string[], seconds: number): Promise<void>;
  seek(subscription: string, time: Date): Promise<void>;
  close(): Promise<void>;
}

const ROOT = loadPubSubRoot();
const type = (name: string) => ROOT.lookupType(`google.pubsub.v1.${name}`);
const TO_OBJECT: protobuf.IConversionOptions = { longs: Number, enums: String, defaults: false };

function received(raw: { ackId?: string | null; deliveryAttempt?: number | null; message?: Fields | null }): ReceivedMessage {
  const message = (raw.message ?? {}) as {
    data?: Uint8Array;
    attributes?: Record<string, string>;
    messageId?: string;
    publishTime?: { seconds?: number | string | { toString(): string }; nanos?: number };
    orderingKey?: string;
  };
  const seconds = Number(String(message.publishTime?.seconds ?? 0));
  return {
    ackId: raw.ackId ?? '',
    ...(raw.deliveryAttempt ? { deliveryAttempt: raw.deliveryAttempt } : {}),
    message: {
      data: Buffer.from(message.data ?? []),
      attributes: { ...(message.attributes ?? {}) },
      messageId: message.messageId ?? '',
      publishTime: new Date(seconds * 1000 + Math.floor((message.publishTime?.nanos ?? 0) / 1e6)),
      ...(message.orderingKey ? { orderingKey: message.orderingKey } : {}),
    },
  };
}

/** Over gRPC with the official client's generated (gapic) clients. */
export class GrpcApi implements PubSubApi {
  readonly transport = 'grpc';
  private readonly publisher: v1.PublisherClient;
  private readonly subscriber: v1.SubscriberClient;

  constructor(
    address: string,
    readonly projectId: string,
  ) {
    const [host, port] = address.split(':') as [string, string];
    const options = { servicePath: host, port: Number(port), sslCreds: credentials.createInsecure(), projectId };
    this.publisher = new v1.PublisherClient(options);
    this.subscriber = new v1.SubscriberClient(options);
  }

  async createTopic(name: string) {
    return plain('Topic', (await this.publisher.createTopic({ name }))[0]);
  }
  async getTopic(name: string) {
    return plain('Topic', (await this.publisher.getTopic({ topic: name }))[0]);
  }
  async listTopics() {
    return (await this.publisher.listTopics({ project: `projects/${this.projectId}` }, { autoPaginate: true }))[0].map((topic) => plain('Topic', topic));
  }
  async deleteTopic(name: string) {
    await this.publisher.deleteTopic({ topic: name });
  }
  async publish(topic: string, messages: PublishedMessage[]) {
    // Not bundled: the generated client's bundling gives concurrent single publishes one id. Not
    // retried: the client retries RESOURCE_EXHAUSTED until its 60 s timeout, tests want the status.
    return (await this.publisher.publish({ topic, messages }, { isBundling: false, retry: null } as never))[0].messageIds ?? [];
  }
  async createSubscription(subscription: Fields & { name: string; topic: string }) {
    return plain('Subscription', (await this.subscriber.createSubscription(subscription))[0]);
  }
  async getSubscription(name: string) {
    return plain('Subscription', (await this.subscriber.getSubscription({ subscription: name }))[0]);
  }
  async updateSubscription(subscription: Fields & { name: string }, paths: string[]) {
    return plain('Subscription', (await this.subscriber.updateSubscription({ subscription, updateMask: { paths } }))[0]);
  }
  async listTopicSubscriptions(topic: string) {
    return ((await this.publisher.listTopicSubscriptions({ topic }, { autoPaginate: true }))[0] ?? []) as string[];
  }
  async deleteSubscription(name: string) {
    await this.subscriber.deleteSubscription({ subscription: name });
  }
  async modifyPushConfig(subscription: string, pushConfig: Fields) {
    await this.subscriber.modifyPushConfig({ subscription, pushConfig });
  }
  async pull(subscription: string, maxMessages: number, returnImmediately: boolean) {
    const [response] = await this.subscriber.pull({ subscription, maxMessages, returnImmediately });
    return (response.receivedMessages ?? []).map((r) => received(r as Parameters<typeof received>[0]));
  }
  async acknowledge(subscription: string, ackIds: string[]) {
    await this.subscriber.acknowledge({ subscription, ackIds });
  }
  async modifyAckDeadline(subscription: string, ackIds: string[], seconds: number) {
    await this.subscriber.modifyAckDeadline({ subscription, ackIds, ackDeadlineSeconds: seconds });
  }
  async seek(subscription: string, time: Date) {
    await this.subscriber.seek({ subscription, time: { seconds: Math.floor(time.getTime() / 1000), nanos: (time.getTime() % 1000) * 1e6 } });
  }
  async close() {
    await Promise.all([this.publisher.close(), this.subscriber.close()]);
  }
}

/** An error answered over REST, with the gRPC code its JSON status names. */
export class RestError extends Error {
  constructor(
    readonly code: number,
    readonly httpStatus: number,
    readonly body: unknown,
    message: string,
  ) {
    super(message);
  }
}

/** Over Pub/Sub's HTTP/JSON API (v1 REST) with fetch, bodies in proto3 JSON. */
export class RestApi implements PubSubApi {
  readonly transport = 'rest';
  private readonly base: string;

  constructor(
    address: string,
    readonly projectId: string,
  ) {
    this.base = `http://${address}/v1/`;
  }

  /** One call: `body` is a message of `requestType` as a plain object, the answer one of `responseType`. */
  async call(method: string, path: string, requestType?: string, body?: Fields, responseType?: string): Promise<Fields> {
    const json = requestType && body ? toJson(type(requestType), type(requestType).fromObject(body)) : undefined;
    const response = await fetch(this.base + path, {
      method,
      // gcloud's emulator answers 404 to a body without this content type.
      headers: { 'content-type': 'application/json' },
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
    if (!response.ok) {
      const error = (parsed as { error?: { status?: string; message?: string } }).error;
      const code = status[(error?.status ?? 'UNKNOWN') as keyof typeof status] as number | undefined;
      throw new RestError(code ?? status.UNKNOWN, response.status, parsed, `${method} ${path}: ${response.status} ${error?.message ?? text}`);
    }
    if (!responseType) return parsed as Fields;
    const message = fromProto3JSON(type(responseType), parsed as JSONObject);
    return message ? (type(responseType).toObject(message, TO_OBJECT) as Fields) : {};
  }

  createTopic(name: string) {
    return this.call('PUT', name, 'Topic', { name }, 'Topic');
  }
  getTopic(name: string) {
    return this.call('GET', name, undefined, undefined, 'Topic');
  }
  async listTopics() {
    return ((await this.call('GET', `projects/${this.projectId}/topics`, undefined, undefined, 'ListTopicsResponse')).topics ?? []) as Fields[];
  }
  async deleteTopic(name: string) {
    await this.call('DELETE', name);
  }
  async publish(topic: string, messages: PublishedMessage[]) {
    return ((await this.call('POST', `${topic}:publish`, 'PublishRequest', { topic, messages }, 'PublishResponse')).messageIds ?? []) as string[];
  }
  createSubscription(subscription: Fields & { name: string; topic: string }) {
    return this.call('PUT', subscription.name, 'Subscription', subscription, 'Subscription');
  }
  getSubscription(name: string) {
    return this.call('GET', name, undefined, undefined, 'Subscription');
  }
  updateSubscription(subscription: Fields & { name: string }, paths: string[]) {
    return this.call('PATCH', subscription.name, 'UpdateSubscriptionRequest', { subscription, updateMask: { paths } }, 'Subscription');
  }
  async listTopicSubscriptions(topic: string) {
    return ((await this.call('GET', `${topic}/subscriptions`, undefined, undefined, 'ListTopicSubscriptionsResponse')).subscriptions ?? []) as string[];
  }
  async deleteSubscription(name: string) {
    await this.call('DELETE', name);
  }
  async modifyPushConfig(subscription: string, pushConfig: Fields) {
    await this.call('POST', `${subscription}:modifyPushConfig`, 'ModifyPushConfigRequest', { subscription, pushConfig });
  }
  async pull(subscription: string, maxMessages: number, returnImmediately: boolean) {
    const response = await this.call('POST', `${subscription}:pull`, 'PullRequest', { subscription, maxMessages, returnImmediately }, 'PullResponse');
    return ((response.receivedMessages ?? []) as Parameters<typeof received>[0][]).map(received);
  }
  async acknowledge(subscription: string, ackIds: string[]) {
    await this.call('POST', `${subscription}:acknowledge`, 'AcknowledgeRequest', { subscription, ackIds });
  }
  async modifyAckDeadline(subscription: string, ackIds: string[], seconds: number) {
    await this.call('POST', `${subscription}:modifyAckDeadline`, 'ModifyAckDeadlineRequest', { subscription, ackIds, ackDeadlineSeconds: seconds });
  }
  async seek(subscription: string, time: Date) {
    await this.call('POST', `${subscription}:seek`, 'SeekRequest', {
      subscription,
      time: { seconds: Math.floor(time.getTime() / 1000), nanos: (time.getTime() % 1000) * 1e6 },
    });
  }
  async close() {}
}

/** A gapic response object as the same plain shape the REST client gives. */
function plain(typeName: string, value: unknown): Fields {
  const t = type(typeName);
  return t.toObject(t.fromObject(value as Fields), TO_OBJECT) as Fields;
}
