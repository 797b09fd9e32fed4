/** What the pipeline needs of a delivered message, whatever delivered it (pull, push, a test). */
export interface InboundMessage {
  id: string;
  data: Buffer;
  attributes: Record<string, string>;
  publishTime: Date;
  orderingKey?: string;
  /** Set by Pub/Sub when the subscription has a dead-letter policy. */
  deliveryAttempt?: number;
}
