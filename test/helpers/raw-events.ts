import type { DuckDBConnection } from '@duckdb/node-api';
import type { OrderEvent } from '../../common/contract/order-event.generated.ts';
import { loadRawTables } from '../../common/table-schemas.ts';
import { appendRows } from '../../streaming/sinks/duckdb-append.ts';
import type { Row } from '../../streaming/rows.ts';
import { Catalog } from '../../generator/catalog.ts';
import { validateEvent } from '../../common/contract/validate.ts';
import { split } from '../../streaming/pipeline/split.ts';
import { FIXTURE_SIZES, createRawTables } from './raw-fixture.ts';

/** An event as the worker would have written it: its producer sequence number and when it was ingested. */
export interface RawEvent {
  event: OrderEvent;
  sequence?: number;
  ingestedAt: Date;
}

/**
 * Writes hand-made events into the raw tables through the worker's split, each row carrying the
 * event's `event_sequence`, parsed by the contract's validator as the worker does (item-less orders
 * and scans before purchase are flags, not rejections).
 */
export async function ingestEvents(connection: DuckDBConnection, events: readonly RawEvent[]): Promise<void> {
  await createRawTables(connection);
  const rows: Record<'orders' | 'order_items' | 'order_payments', Row[]> = { orders: [], order_items: [], order_payments: [] };
  events.forEach(({ event, sequence, ingestedAt }, i) => {
    const inbound = { id: `raw-${i}-${event.event_id}`, data: Buffer.alloc(0), attributes: {}, publishTime: new Date(ingestedAt.getTime() - 1_000) };
    const verdict = validateEvent(event);
    if (!verdict.valid) throw new Error(`fixture event ${event.event_id} breaks the contract: ${JSON.stringify(verdict.errors)}`);
    const out = split(verdict.event, verdict.flags, inbound, ingestedAt);
    for (const table of ['orders', 'order_items', 'order_payments'] as const) {
      for (const row of out[table]) rows[table].push({ ...row, event_sequence: sequence ?? null });
    }
  });
  const tables = new Map(loadRawTables().map((t) => [t.name, t]));
  for (const [name, list] of Object.entries(rows)) await appendRows(connection, tables.get(name)!, list);
}

/** Customers, products and sellers of the raw-fixture catalog (the dims snapshot writeDims() writes). */
export const fixtureCatalog = () => new Catalog(7, FIXTURE_SIZES);

/** A created event for the fixture catalog: customer `n`, one item of product `n` at `price`, paid in full (both optional). */
export function orderEvent(
  n: number,
  id: string,
  purchase: string,
  options: { price?: number; freight?: number; items?: boolean; payment?: number | null } = {},
): OrderEvent {
  const catalog = fixtureCatalog();
  const customer = catalog.customer(n);
  const product = catalog.product(n);
  const seller = catalog.seller(n % FIXTURE_SIZES.sellers);
  const price = options.price ?? 100;
  const freight = options.freight ?? 10;
  const payment = options.payment === undefined ? price + freight : options.payment;
  return {
    event_id: `${id}.1`,
    event_type: 'order_created',
    event_time: purchase,
    schema_version: 1,
    source: 'test',
    order: {
      order_id: id,
      customer_id: customer.customer_id,
      order_status: 'created',
      order_purchase_timestamp: purchase,
      order_approved_at: null,
      order_delivered_carrier_date: null,
      order_delivered_customer_date: null,
      order_estimated_delivery_date: null,
    },
    ...(options.items === false
      ? {}
      : {
          items: [
            { order_item_id: 1, product_id: product.product_id, seller_id: seller.seller_id, shipping_limit_date: purchase, price, freight_value: freight },
          ],
        }),
    ...(payment === null
      ? {}
      : { payments: [{ payment_sequential: 1, payment_type: 'credit_card' as const, payment_installments: 1, payment_value: payment }] }),
    customer: {
      customer_unique_id: customer.customer_unique_id,
      customer_zip_code_prefix: customer.customer_zip_code_prefix,
      customer_city: customer.customer_city,
      customer_state: customer.customer_state,
    },
  };
}

/** An update of `base` (no items, payments or customer): the order's fields replaced by `order`. */
export function updateEvent(base: OrderEvent, suffix: string, eventTime: string, order: Partial<OrderEvent['order']>): OrderEvent {
  return {
    event_id: `${base.order.order_id}.${suffix}`,
    event_type: 'order_updated',
    event_time: eventTime,
    schema_version: 1,
    source: 'test',
    order: { ...base.order, ...order },
  };
}
