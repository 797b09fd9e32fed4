import { type ServerDuplexStream, status } from '@grpc/grpc-js';
import type { Broker } from './broker.ts';
import { encodeReceivedMessages } from './codec.ts';
import { invalidArgument, RpcError } from './resources.ts';
import type { Consumer, Delivery, Subscription } from './subscription.ts';

/** A StreamingPullRequest as proto-loader decodes it (absent fields are undefined). */
export interface StreamingPullRequest {
  subscription?: string;
  ackIds?: string[];
  modifyDeadlineSeconds?: number[];
  modifyDeadlineAckIds?: string[];
  streamAckDeadlineSeconds?: number;
  maxOutstandingMessages?: string;
  maxOutstandingBytes?: string;
}

export type StreamingPullCall = ServerDuplexStream<StreamingPullRequest, Buffer>;

/**
 * One StreamingPull stream: the first request names the subscription and the client's flow
 * control; later ones carry acks, modacks and deadline changes. The session is a Consumer of the
 * subscription, which sends it messages while it has room.
 */
export class StreamingPullSession implements Consumer {
  ackDeadlineMs = 10_000;
  private subscription: Subscription | null = null;
  private maxMessages = 0;
  private maxBytes = 0;
  private outstandingMessages = 0;
  private outstandingBytes = 0;
  private writable = true;
  private delivered = 0;
  private closed = false;

  constructor(
    private readonly call: StreamingPullCall,
    private readonly broker: Broker,
    private readonly onClose: (session: StreamingPullSession) => void,
  ) {
    call.on('data', (request: StreamingPullRequest) => this.onRequest(request));
    // The client half-closes when it stops pulling: finish the RPC cleanly.
    call.on('end', () => this.end());
    call.on('cancelled', () => this.detach());
    call.on('close', () => this.detach());
    call.on('drain', () => {
      this.writable = true;
      this.subscription?.scheduleDispatch();
    });
  }

  roomMessages(): number {
    if (!this.writable || this.closed) return 0;
    return this.maxMessages > 0 ? this.maxMessages - this.outstandingMessages : Infinity;
  }

  roomBytes(): number {
    if (!this.writable || this.closed) return 0;
    return this.maxBytes > 0 ? this.maxBytes - this.outstandingBytes : Infinity;
  }

  deliver(deliveries: Delivery[]): void {
    for (const delivery of deliveries) {
      this.outstandingMessages++;
      this.outstandingBytes += delivery.size;
    }
    const subscription = this.subscription as Subscription;
    this.writable = this.call.write(encodeReceivedMessages(deliveries, subscription.maxDeliveryAttempts > 0));
    this.delivered += deliveries.length;
    const dropEvery = this.broker.faults.dropStreamEvery;
    if (dropEvery > 0 && this.delivered >= dropEvery) {
      // No more messages for a stream about to be dropped.
      this.writable = false;
      setImmediate(() => this.fail(new RpcError(status.UNAVAILABLE, 'Stream dropped by fault injection.')));
    }
  }

  released(delivery: Delivery): void {
    if (this.closed) return;
    this.outstandingMessages--;
    this.outstandingBytes -= delivery.size;
  }

  subscriptionDeleted(): void {
    this.fail(new RpcError(status.NOT_FOUND, 'Subscription does not exist.'));
  }

  /** Ends the stream with an error status (subscription deleted, fault injection, shutdown). */
  fail(error: RpcError): void {
    if (this.closed) return;
    this.detach();
    this.call.emit('error', { code: error.code, details: error.message });
  }

  private onRequest(request: StreamingPullRequest): void {
    if (this.closed) return;
    try {
      if (!this.subscription) this.open(request);
      const subscription = this.subscription as Subscription;
      if (request.streamAckDeadlineSeconds) this.ackDeadlineMs = request.streamAckDeadlineSeconds * 1000;
      if (request.ackIds?.length) subscription.acknowledge(request.ackIds);
      const seconds = request.modifyDeadlineSeconds ?? [];
      const ids = request.modifyDeadlineAckIds ?? [];
      if (seconds.length !== ids.length) throw invalidArgument('modify_deadline_seconds and modify_deadline_ack_ids must be the same length');
      for (let i = 0; i < ids.length; i++) subscription.modifyAckDeadline([ids[i] as string], seconds[i] as number);
    } catch (error) {
      this.fail(error instanceof RpcError ? error : new RpcError(status.INTERNAL, String(error)));
    }
  }

  private open(request: StreamingPullRequest): void {
    const subscription = this.broker.getSubscription(request.subscription ?? '');
    if (!request.streamAckDeadlineSeconds || request.streamAckDeadlineSeconds < 0 || request.streamAckDeadlineSeconds > 600) {
      throw invalidArgument(`Invalid stream_ack_deadline_seconds: ${request.streamAckDeadlineSeconds ?? 0}`);
    }
    this.maxMessages = Number(request.maxOutstandingMessages ?? 0);
    this.maxBytes = Number(request.maxOutstandingBytes ?? 0);
    this.subscription = subscription;
    subscription.addConsumer(this);
  }

  private end(): void {
    if (this.closed) return;
    this.detach();
    this.call.end();
  }

  private detach(): void {
    if (this.closed) return;
    this.closed = true;
    // Messages it holds stay leased until acked or expired: the client may still ack them by unary RPC.
    this.subscription?.removeConsumer(this);
    this.onClose(this);
  }
}
