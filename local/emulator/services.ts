import { type sendUnaryData, type ServerUnaryCall, type ServiceDefinition, status, type UntypedServiceImplementation } from '@grpc/grpc-js';
import type { Broker } from './broker.ts';
import { decodePublishRequest, encodePublishResponse, encodeReceivedMessages, type RawPublishRequest } from './codec.ts';
import type { PubSubServices } from './proto.ts';
import type { PushConfigResource } from './push.ts';
import { invalidArgument, RpcError, type SubscriptionResource, type TopicResource } from './resources.ts';
import { type StreamingPullCall, StreamingPullSession } from './streaming-pull.ts';

const EMPTY = {};
// A Pull that waits for messages answers empty after this long, as the service does.
const MAX_PULL_WAIT_MS = 10_000;

interface ListRequest {
  project?: string;
  pageSize?: number;
  pageToken?: string;
}

/** Publisher and Subscriber service definitions with hand-written codecs on the three hot RPCs. */
export function withFastCodecs(services: PubSubServices): PubSubServices {
  const publisher = { ...services.publisher };
  publisher.Publish = { ...publisher.Publish, requestDeserialize: decodePublishRequest, responseSerialize: encodePublishResponse } as ServiceDefinition[string];
  const subscriber = { ...services.subscriber };
  const passThrough = (body: Buffer) => body;
  subscriber.Pull = { ...subscriber.Pull, responseSerialize: passThrough } as ServiceDefinition[string];
  subscriber.StreamingPull = { ...subscriber.StreamingPull, responseSerialize: passThrough } as ServiceDefinition[string];
  return { publisher, subscriber };
}

export function publisherImplementation(broker: Broker): UntypedServiceImplementation {
  return {
    CreateTopic: unary((topic: TopicResource) => broker.createTopic(topic)),
    GetTopic: unary((request: { topic: string }) => broker.getTopic(request.topic).resource),
    UpdateTopic: unary((request: { topic?: TopicResource; updateMask?: { paths?: string[] } }) => {
      if (!request.topic) throw invalidArgument('No topic given.');
      return broker.updateTopic(request.topic, request.updateMask?.paths ?? []);
    }),
    ListTopics: unary((request: ListRequest) => {
      const page = paginate(
        [...broker.topics.values()].filter((topic) => inProject(topic.resource.name, request.project)),
        request,
      );
      return { topics: page.items.map((topic) => topic.resource), nextPageToken: page.nextPageToken };
    }),
    ListTopicSubscriptions: unary((request: { topic: string } & ListRequest) => {
      const page = paginate([...broker.getTopic(request.topic).subscriptions], request);
      return { subscriptions: page.items.map((subscription) => subscription.resource.name), nextPageToken: page.nextPageToken };
    }),
    DeleteTopic: unary((request: { topic: string }) => {
      broker.deleteTopic(request.topic);
      return EMPTY;
    }),
    Publish: unary((request: RawPublishRequest) => ({ messageIds: broker.publish(request.topic, request.messages) })),
  };
}

export function subscriberImplementation(
  broker: Broker,
  onOpen: (session: StreamingPullSession) => void,
  onClose: (session: StreamingPullSession) => void,
): UntypedServiceImplementation {
  return {
    CreateSubscription: unary((subscription: SubscriptionResource) => broker.createSubscription(subscription)),
    GetSubscription: unary((request: { subscription: string }) => broker.getSubscription(request.subscription).resource),
    UpdateSubscription: unary((request: { subscription?: SubscriptionResource; updateMask?: { paths?: string[] } }) => {
      if (!request.subscription) throw invalidArgument('No subscription given.');
      return broker.updateSubscription(request.subscription, request.updateMask?.paths ?? []);
    }),
    ListSubscriptions: unary((request: ListRequest) => {
      const page = paginate(
        [...broker.subscriptions.values()].filter((s) => inProject(s.resource.name, request.project)),
        request,
      );
      return { subscriptions: page.items.map((subscription) => subscription.resource), nextPageToken: page.nextPageToken };
    }),
    DeleteSubscription: unary((request: { subscription: string }) => {
      broker.deleteSubscription(request.subscription);
      return EMPTY;
    }),
    ModifyPushConfig: unary((request: { subscription: string; pushConfig?: PushConfigResource }) => {
      broker.modifyPushConfig(request.subscription, request.pushConfig ?? {});
      return EMPTY;
    }),
    Seek: unary((request: { subscription: string; time?: { seconds?: string | number; nanos?: number } | null }) => {
      const time = request.time ? Number(request.time.seconds ?? 0) * 1000 + Math.floor((request.time.nanos ?? 0) / 1e6) : undefined;
      broker.seek(request.subscription, time);
      return EMPTY;
    }),
    Acknowledge: unary((request: { subscription: string; ackIds?: string[] }) => {
      if (!request.ackIds?.length) throw invalidArgument('No ack ids specified.');
      broker.getSubscription(request.subscription).acknowledge(request.ackIds);
      return EMPTY;
    }),
    ModifyAckDeadline: unary((request: { subscription: string; ackIds?: string[]; ackDeadlineSeconds?: number }) => {
      const seconds = request.ackDeadlineSeconds ?? 0;
      if (seconds < 0 || seconds > 600) throw invalidArgument(`Invalid ack deadline given: ${seconds}`);
      broker.getSubscription(request.subscription).modifyAckDeadline(request.ackIds ?? [], seconds);
      return EMPTY;
    }),
    Pull: (call: ServerUnaryCall<{ subscription: string; maxMessages?: number; returnImmediately?: boolean }, Buffer>, callback: sendUnaryData<Buffer>) => {
      try {
        const { subscription: name, maxMessages, returnImmediately } = call.request;
        if (!maxMessages || maxMessages <= 0) throw invalidArgument('max_messages must be positive.');
        const subscription = broker.getSubscription(name);
        const abort = new AbortController();
        const deadline = call.getDeadline();
        const untilDeadline = deadline instanceof Date ? deadline.getTime() - Date.now() - 100 : Infinity;
        const timer = setTimeout(() => abort.abort(), Math.max(0, Math.min(MAX_PULL_WAIT_MS, untilDeadline)));
        call.on('cancelled', () => abort.abort());
        void subscription.pull(maxMessages, !returnImmediately, abort.signal).then((deliveries) => {
          clearTimeout(timer);
          callback(null, encodeReceivedMessages(deliveries, subscription.maxDeliveryAttempts > 0));
        });
      } catch (error) {
        callback(toStatus(error));
      }
    },
    StreamingPull: (call: StreamingPullCall) => {
      onOpen(new StreamingPullSession(call, broker, onClose));
    },
  };
}

function unary<Req, Res>(handle: (request: Req) => Res) {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
    try {
      callback(null, handle(call.request));
    } catch (error) {
      callback(toStatus(error));
    }
  };
}

function toStatus(error: unknown): { code: status; details: string } {
  if (error instanceof RpcError) return { code: error.code, details: error.message };
  return { code: status.INTERNAL, details: error instanceof Error ? error.message : String(error) };
}

function inProject(name: string, project: string | undefined): boolean {
  return name.startsWith(`${project ?? ''}/`);
}

// Page tokens are offsets into the name-sorted list: stable while nothing is created or deleted.
function paginate<T extends { resource: { name: string } }>(all: T[], request: ListRequest): { items: T[]; nextPageToken: string } {
  all.sort((a, b) => (a.resource.name < b.resource.name ? -1 : a.resource.name > b.resource.name ? 1 : 0));
  const start = Number(request.pageToken || 0);
  if (!Number.isInteger(start) || start < 0) throw invalidArgument('Invalid page token.');
  const size = request.pageSize && request.pageSize > 0 ? request.pageSize : all.length;
  const items = all.slice(start, start + size);
  return { items, nextPageToken: start + size < all.length ? String(start + size) : '' };
}
