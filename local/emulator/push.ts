import { Agent, request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { INITIAL_PUSH_WINDOW } from './limits.ts';
import { readMessageFields } from './message.ts';
import type { PushTokenSigner } from './push-token.ts';
import { invalidArgument } from './resources.ts';
import type { Consumer, Delivery, Subscription } from './subscription.ts';

/** Subscription.push_config as proto-loader gives it. */
export interface PushConfigResource {
  pushEndpoint?: string;
  attributes?: Record<string, string>;
  oidcToken?: { serviceAccountEmail?: string; audience?: string } | null;
  noWrapper?: { writeMetadata?: boolean } | null;
  [field: string]: unknown;
}

export interface PushOptions {
  /** Upper bound of a subscription's push window (concurrent push requests). */
  maxConcurrency: number;
  tokens: PushTokenSigner;
}

/** The status codes Pub/Sub takes as an ack of a push request; every other answer is a failed attempt. */
const ACK_STATUSES = new Set([102, 200, 201, 202, 204]);
// Without a retry policy, a failed push is retried after an exponential push backoff (100 ms to 60 s).
const PUSH_MIN_BACKOFF_MS = 100;
const PUSH_MAX_BACKOFF_MS = 60_000;
// Header names a message attribute may become (RFC 9110 token).
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Checks a push config as the service does: an http(s) endpoint, or none (a pull subscription). */
export function validPushConfig(config: PushConfigResource | null | undefined): void {
  const endpoint = config?.pushEndpoint;
  if (!endpoint) return;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw invalidArgument(
      `Invalid push endpoint given (endpoint=${endpoint}). Refer to https://cloud.google.com/pubsub/docs/push#configure_push_endpoints for more information.`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw invalidArgument(`Invalid push endpoint given (endpoint=${endpoint}): the scheme must be http or https.`);
}

/**
 * Push delivery for one subscription: a Consumer that POSTs each message it is given to
 * pushConfig.pushEndpoint and settles the lease by the answer.
 *
 * - Formats: wrapped (default, a JSON envelope with the message base64-encoded, like the service's)
 *   or unwrapped (noWrapper: the body is the data; writeMetadata adds x-goog-pubsub-* headers and
 *   one header per attribute whose name is a valid header name).
 * - 102, 200, 201, 202, 204 ack; any other status, a network error or no answer within the ack
 *   deadline (the request timeout) is a failed attempt: retried after the retry policy's backoff,
 *   or without one after push backoff (100 ms doubling per attempt, at most 60 s), dead-lettered
 *   once the dead-letter policy's attempts are used up.
 * - Concurrency (the push window) grows and shrinks like Pub/Sub's slow start: it starts at
 *   INITIAL_PUSH_WINDOW, grows by one per acked request (doubling per round trip of a full
 *   window) up to maxConcurrency, and halves (at least 1) on each failed one.
 * - pushConfig.oidcToken: an `Authorization: Bearer` ID token (see PushTokenSigner), audience
 *   the configured one or else the endpoint URL.
 */
export class PushConsumer implements Consumer {
  private window = INITIAL_PUSH_WINDOW;
  private inFlight = 0;
  private closed = false;
  private readonly endpoint: URL;
  private readonly agent: Agent;

  constructor(
    private readonly subscription: Subscription,
    private readonly config: PushConfigResource,
    private readonly options: PushOptions,
  ) {
    this.endpoint = new URL(config.pushEndpoint as string);
    this.agent = new Agent({ keepAlive: true, maxSockets: options.maxConcurrency });
  }

  get ackDeadlineMs(): number {
    return this.subscription.ackDeadlineMs;
  }

  /** The push window now: concurrent requests allowed. */
  get concurrency(): number {
    return this.window;
  }

  roomMessages(): number {
    return this.closed ? 0 : this.window - this.inFlight;
  }

  roomBytes(): number {
    return this.closed ? 0 : Infinity;
  }

  deliver(deliveries: Delivery[]): void {
    for (const delivery of deliveries) {
      this.inFlight++;
      void this.push(delivery.ackId, delivery);
    }
  }

  released(): void {
    this.inFlight--;
  }

  subscriptionDeleted(): void {
    this.close();
  }

  /** No more deliveries; requests under way still settle their leases. */
  close(): void {
    this.closed = true;
    this.agent.destroy();
  }

  private async push(ackId: string, delivery: Delivery): Promise<void> {
    const attempt = delivery.attempts;
    let acked: boolean;
    try {
      const { headers, body } = await this.request(delivery);
      acked = ACK_STATUSES.has(await this.post(headers, body));
    } catch {
      // Refused, reset, or no answer within the ack deadline: a failed attempt.
      acked = false;
    }
    this.window = acked ? Math.min(this.options.maxConcurrency, this.window + 1) : Math.max(1, Math.floor(this.window / 2));
    this.subscription.settle(ackId, acked, Math.min(PUSH_MAX_BACKOFF_MS, PUSH_MIN_BACKOFF_MS * 2 ** (attempt - 1)));
  }

  private async request(delivery: Delivery): Promise<{ headers: OutgoingHttpHeaders; body: Buffer }> {
    const { message, attempts } = delivery;
    const { data, attributes, orderingKey } = readMessageFields(message.body);
    const publishTime = new Date(message.publishTimeMs).toISOString();
    const withAttempt = this.subscription.maxDeliveryAttempts > 0;
    const headers: OutgoingHttpHeaders = {};
    let body: Buffer;
    if (this.config.noWrapper) {
      body = data;
      headers['content-type'] = 'application/octet-stream';
      if (this.config.noWrapper.writeMetadata) {
        for (const [name, value] of Object.entries(attributes)) if (HEADER_NAME.test(name)) headers[name] = value;
        headers['x-goog-pubsub-subscription-name'] = this.subscription.resource.name;
        headers['x-goog-pubsub-message-id'] = message.id;
        headers['x-goog-pubsub-publish-time'] = publishTime;
        if (orderingKey) headers['x-goog-pubsub-ordering-key'] = orderingKey;
        if (withAttempt) headers['x-goog-pubsub-delivery-attempt'] = String(attempts);
      }
    } else {
      const envelope = {
        message: {
          ...(Object.keys(attributes).length > 0 ? { attributes } : {}),
          data: data.toString('base64'),
          messageId: message.id,
          message_id: message.id,
          publishTime,
          publish_time: publishTime,
          ...(orderingKey ? { orderingKey } : {}),
        },
        subscription: this.subscription.resource.name,
        ...(withAttempt ? { deliveryAttempt: attempts } : {}),
      };
      body = Buffer.from(JSON.stringify(envelope));
      headers['content-type'] = 'application/json';
    }
    const oidc = this.config.oidcToken;
    if (oidc?.serviceAccountEmail) {
      const token = await this.options.tokens.token(oidc.audience || this.endpoint.href, oidc.serviceAccountEmail);
      headers.authorization = `Bearer ${token}`;
    }
    headers['content-length'] = body.length;
    return { headers, body };
  }

  /** POSTs and resolves with the status (102 as soon as it arrives); rejects on errors and at the ack deadline. */
  private post(headers: OutgoingHttpHeaders, body: Buffer): Promise<number> {
    return new Promise((resolve, reject) => {
      const send = this.endpoint.protocol === 'https:' ? httpsRequest : httpRequest;
      const request = send(
        this.endpoint,
        {
          method: 'POST',
          headers,
          signal: AbortSignal.timeout(this.ackDeadlineMs),
          ...(this.endpoint.protocol === 'http:' ? { agent: this.agent } : {}),
        },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      request.on('information', (info) => {
        if (info.statusCode !== 102) return;
        resolve(102);
        request.destroy();
      });
      request.on('error', reject);
      request.end(body);
    });
  }
}
