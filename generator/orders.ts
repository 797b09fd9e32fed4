import type { Customer, Item, Order, Payment } from '../common/contract/order-event.generated.ts';
import { clamp, type Catalog } from './catalog.ts';
import { compress, planLifecycle, type Lifecycle } from './lifecycle.ts';
import type { Random } from './random.ts';
import {
  CARD_INSTALLMENTS,
  FREIGHT,
  ITEMS_PER_ORDER,
  MULTI_SELLER_SHARE,
  PAYMENT_MISMATCH_SHARE,
  PRIMARY_PAYMENT,
  VOUCHER_COUNT,
  VOUCHER_SPLIT_SHARE,
} from './reference-data.ts';
import { DAY, iso } from './time.ts';

/** An order as the generator tracks it between its events. */
export interface OrderState {
  order: Order;
  items: Item[];
  payments: Payment[];
  customer: Customer;
  lifecycle: Lifecycle;
  /** Events emitted so far; the next event_id is `${order_id}.${version + 1}`. */
  version: number;
}

type PaymentType = Payment['payment_type'];
const multiItemShare = 1 - ITEMS_PER_ORDER[0]!.weight / ITEMS_PER_ORDER.reduce((sum, c) => sum + c.weight, 0);

/**
 * A new order placed at `purchase` by customer record `customerIndex`, with its planned life;
 * `lifecycleSpeed` divides its delays (see planLifecycle).
 */
export function newOrder(rng: Random, catalog: Catalog, purchase: number, customerIndex: number, lifecycleSpeed = 1): OrderState {
  const customer = catalog.customer(customerIndex % catalog.sizes.customers);
  const orderId = rng.hex32();
  const items = orderItems(rng, catalog, purchase, lifecycleSpeed);
  const payments = orderPayments(rng, dueCents(items));
  const lifecycle = planLifecycle(rng, purchase, lifecycleSpeed);
  const order: Order = {
    order_id: orderId,
    customer_id: customer.customer_id,
    order_status: 'created',
    order_purchase_timestamp: iso(purchase),
    order_approved_at: null,
    order_delivered_carrier_date: null,
    order_delivered_customer_date: null,
    order_estimated_delivery_date: iso(lifecycle.estimatedDelivery),
  };
  const { customer_id: _id, ...person } = customer;
  return { order, items, payments, customer: person, lifecycle, version: 0 };
}

function orderItems(rng: Random, catalog: Catalog, purchase: number, lifecycleSpeed: number): Item[] {
  const count = rng.pick(ITEMS_PER_ORDER);
  const first = catalog.product(catalog.popularProduct(rng));
  const firstSeller = catalog.seller(first.sellerIndex).seller_id;
  const multiSeller = count > 1 && rng.chance(MULTI_SELLER_SHARE / multiItemShare);
  const shippingLimit = iso(compress(purchase, purchase + (3 + 5 * rng.next()) * DAY, lifecycleSpeed));
  const items: Item[] = [];
  for (let n = 1; n <= count; n++) {
    // Multi-item orders are mostly the same product again, else another product of the same seller.
    const product = n === 1 || rng.chance(0.55) ? first : catalog.product(catalog.popularProduct(rng));
    const sellerId = multiSeller && product !== first ? catalog.seller(product.sellerIndex).seller_id : firstSeller;
    const freight = rng.chance(FREIGHT.freeShare) ? 0 : clamp(product.freight * (0.8 + 0.5 * rng.next()), 0, FREIGHT.max);
    items.push({
      order_item_id: n,
      product_id: product.product_id,
      seller_id: sellerId,
      shipping_limit_date: shippingLimit,
      price: product.price,
      freight_value: Math.round(freight * 100) / 100,
    });
  }
  return items;
}

export const dueCents = (items: Item[]) => items.reduce((sum, item) => sum + Math.round(item.price * 100) + Math.round(item.freight_value * 100), 0);

/** Payments summing exactly to the items (in cents), except for Olist's ~0.3% of mismatches. */
export function orderPayments(rng: Random, due: number): Payment[] {
  const total = rng.chance(PAYMENT_MISMATCH_SHARE) ? Math.max(0, due + (rng.chance(0.5) ? 1 : -1) * rng.int(200, 5000)) : due;
  const primary = rng.pick(PRIMARY_PAYMENT);
  const parts: { type: PaymentType; cents: number }[] = [];
  if (primary === 'voucher') {
    split(rng, total, rng.pick(VOUCHER_COUNT)).forEach((cents) => parts.push({ type: 'voucher', cents }));
  } else if (rng.chance(VOUCHER_SPLIT_SHARE)) {
    const vouchers = Math.round(total * (0.05 + 0.55 * rng.next()));
    split(rng, vouchers, rng.pick(VOUCHER_COUNT)).forEach((cents) => parts.push({ type: 'voucher', cents }));
    parts.push({ type: primary, cents: total - vouchers });
  } else {
    parts.push({ type: primary, cents: total });
  }
  return parts.map((part, index) => ({
    payment_sequential: index + 1,
    payment_type: part.type,
    payment_installments: part.type === 'credit_card' ? rng.pick(CARD_INSTALLMENTS) : 1,
    payment_value: part.cents / 100,
  }));
}

/** `total` cents in `count` random parts that add up exactly. */
function split(rng: Random, total: number, count: number): number[] {
  const weights = Array.from({ length: count }, () => 0.2 + rng.next());
  const sum = weights.reduce((a, b) => a + b, 0);
  const parts = weights.map((w) => Math.floor((total * w) / sum));
  parts[count - 1]! += total - parts.reduce((a, b) => a + b, 0);
  return parts;
}

/** Rescales payments to a new total, to the cent (used when an update drops an item). */
export function rescalePayments(payments: Payment[], newTotal: number): Payment[] {
  const old = payments.reduce((sum, p) => sum + Math.round(p.payment_value * 100), 0);
  let left = newTotal;
  return payments.map((payment, index) => {
    const cents = index === payments.length - 1 ? left : old === 0 ? 0 : Math.floor((Math.round(payment.payment_value * 100) * newTotal) / old);
    left -= cents;
    return { ...payment, payment_value: cents / 100 };
  });
}
