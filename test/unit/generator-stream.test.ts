import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ParsedEvent } from '../../common/contract/parsed-event.ts';
import { validateMessage } from '../../common/contract/validate.ts';
import { INVALID_KINDS } from '../../generator/invalid.ts';
import { EventStream, type GeneratedMessage } from '../../generator/stream.ts';

const show = (value: unknown) => JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
const START = Date.parse('2026-11-20T00:00:00Z');
const take = (stream: EventStream, n: number): GeneratedMessage[] => Array.from({ length: n }, () => stream.nextMessage());

describe('10,000 events of a fixed seed look like Olist', () => {
  const messages = take(new EventStream({ seed: 42, startTime: START }), 10_000);
  const events = messages.map((m) => {
    const verdict = validateMessage(m.data);
    assert.ok(verdict.valid, `invalid generated event: ${m.data.toString()}`);
    return { event: verdict.event, flags: verdict.flags };
  });
  // The validator hands money on as cents; the Olist figures below are in BRL.
  const items = events.flatMap(({ event }) => event.items ?? []).map((i) => ({ ...i, price: i.price / 100, freight_value: i.freight_value / 100 }));
  const payments = events.flatMap(({ event }) => event.payments ?? []).map((p) => ({ ...p, payment_value: p.payment_value / 100 }));
  const share = (part: number, whole: number) => part / whole;

  test('all are valid order_created events with unique ids', () => {
    assert.equal(events.length, 10_000);
    assert.ok(events.every(({ event }) => event.event_type === 'order_created'));
    assert.equal(new Set(events.map(({ event }) => event.event_id)).size, 10_000);
    assert.equal(new Set(events.map(({ event }) => event.order.order_id)).size, 10_000);
  });
  test('items per order between 1.10 and 1.18, ~90% single-item, max at most 21', () => {
    const perOrder = items.length / events.length;
    assert.ok(perOrder >= 1.1 && perOrder <= 1.18, `items/order ${perOrder}`);
    const single = share(events.filter(({ event }) => event.items!.length === 1).length, events.length);
    assert.ok(single > 0.87 && single < 0.93, `single-item share ${single}`);
    assert.ok(Math.max(...events.map(({ event }) => event.items!.length)) <= 21);
  });
  test('credit_card share of payments between 70% and 80%; every type but not_defined present', () => {
    const cc = share(payments.filter((p) => p.payment_type === 'credit_card').length, payments.length);
    assert.ok(cc >= 0.7 && cc <= 0.8, `credit_card share ${cc}`);
    for (const type of ['boleto', 'voucher', 'debit_card'])
      assert.ok(
        payments.some((p) => p.payment_type === type),
        type,
      );
    const boleto = share(payments.filter((p) => p.payment_type === 'boleto').length, payments.length);
    assert.ok(boleto > 0.15 && boleto < 0.23, `boleto share ${boleto}`);
  });
  test('installments above 1 only for credit cards; card mean near Olist 3.5', () => {
    assert.ok(payments.every((p) => p.payment_type === 'credit_card' || p.payment_installments === 1));
    const cards = payments.filter((p) => p.payment_type === 'credit_card');
    const mean = cards.reduce((s, p) => s + p.payment_installments, 0) / cards.length;
    assert.ok(mean > 3 && mean < 4, `card installments mean ${mean}`);
  });
  test('vouchers split orders into several payments, sometimes many', () => {
    const multi = events.filter(({ event }) => event.payments!.length > 1);
    assert.ok(share(multi.length, events.length) > 0.01 && share(multi.length, events.length) < 0.06, `multi-payment share ${multi.length}`);
    assert.ok(multi.every(({ event }) => event.payments!.some((p) => p.payment_type === 'voucher')));
  });
  test('payments reconcile with items except for a payment_mismatch rate under 1%', () => {
    const flagged = events.filter(({ flags }) => flags.includes('payment_mismatch')).length;
    assert.ok(flagged > 0 && share(flagged, events.length) < 0.01, `mismatch rate ${flagged / events.length}`);
  });
  test('price and freight within Olist ranges; median price near 75; some free freight', () => {
    const prices = items.map((i) => i.price).sort((a, b) => a - b);
    assert.ok(prices[0]! >= 0.85 && prices.at(-1)! <= 6735);
    const median = prices[Math.floor(prices.length / 2)]!;
    assert.ok(median > 60 && median < 90, `median price ${median}`);
    assert.ok(items.every((i) => i.freight_value >= 0 && i.freight_value <= 409.68));
    assert.ok(items.some((i) => i.freight_value === 0));
  });
  test('single-seller orders are the large majority (Olist 98.7%)', () => {
    const single = share(events.filter(({ event }) => new Set(event.items!.map((i) => i.seller_id)).size === 1).length, events.length);
    assert.ok(single > 0.97 && single < 1, `single-seller share ${single}`);
  });
  test('customers: SP dominant, many states, repeat buyers exist, one customer_id per order', () => {
    const states = events.map(({ event }) => event.customer!.customer_state);
    const sp = share(states.filter((s) => s === 'SP').length, states.length);
    assert.ok(sp > 0.37 && sp < 0.46, `SP share ${sp}`);
    assert.ok(new Set(states).size >= 24, `states seen ${new Set(states).size}`);
    const people = new Set(events.map(({ event }) => event.customer!.customer_unique_id));
    assert.ok(people.size < events.length && people.size > events.length * 0.95, `people ${people.size}`);
    assert.equal(new Set(events.map(({ event }) => event.order.customer_id)).size, events.length);
  });
  test('products repeat (a popular head and a long tail)', () => {
    const counts = new Map<string, number>();
    for (const item of items) counts.set(item.product_id, (counts.get(item.product_id) ?? 0) + 1);
    assert.ok(Math.max(...counts.values()) >= 10, 'no popular product');
    assert.ok([...counts.values()].filter((n) => n === 1).length > counts.size / 3, 'no long tail');
  });
});

describe('determinism', () => {
  const bytesOf = (options: ConstructorParameters<typeof EventStream>[0], n = 2000) => Buffer.concat(take(new EventStream(options), n).map((m) => m.data));
  const mixed = { seed: 7, startTime: START, duplicateRate: 0.05, invalidRate: 0.05, updateRate: 0.3 };

  test('the same seed and start time give byte-identical messages', () => assert.ok(bytesOf(mixed).equals(bytesOf(mixed))));
  test('another seed gives other messages', () => assert.ok(!bytesOf(mixed).equals(bytesOf({ ...mixed, seed: 8 }))));
  test('another start time gives new orders from the same catalog', () => {
    const a = new EventStream({ seed: 7, startTime: START });
    const b = new EventStream({ seed: 7, startTime: START + 3600_000 });
    assert.notEqual(a.nextMessage().event!.order.order_id, b.nextMessage().event!.order.order_id);
    assert.deepEqual(a.catalog.product(5), b.catalog.product(5));
    assert.deepEqual(a.catalog.customer(5), b.catalog.customer(5));
  });
});

describe('duplicates, invalid messages and updates', () => {
  const messages = take(new EventStream({ seed: 3, startTime: START, duplicateRate: 0.05, invalidRate: 0.08, updateRate: 0.3 }), 10_000);
  const count = (kind: string) => messages.filter((m) => m.kind === kind).length;

  test('the mix follows the rates', () => {
    assert.ok(Math.abs(count('duplicate') / 10_000 - 0.05) < 0.01, `duplicates ${count('duplicate')}`);
    assert.ok(Math.abs(count('invalid') / 10_000 - 0.08) < 0.01, `invalid ${count('invalid')}`);
    assert.ok(Math.abs(count('updated') / 10_000 - 0.3) < 0.03, `updates ${count('updated')}`);
  });
  test('a duplicate repeats an earlier message byte for byte, with the same event_id', () => {
    const seen = new Map<string, Buffer>();
    for (const message of messages) {
      if (message.kind === 'invalid') continue;
      const id = message.attributes.event_id!;
      if (message.kind === 'duplicate') assert.ok(seen.get(id)?.equals(message.data), `duplicate of unseen ${id}`);
      else {
        assert.ok(!seen.has(id), `event_id reused by a non-duplicate: ${id}`);
        seen.set(id, message.data);
      }
    }
  });
  test('every invalid kind appears and is rejected with exactly its reason', () => {
    const invalid = messages.filter((m) => m.kind === 'invalid');
    assert.deepEqual(new Set(invalid.map((m) => m.expectedError)), new Set(INVALID_KINDS));
    for (const message of invalid) {
      const verdict = validateMessage(message.data);
      assert.ok(!verdict.valid && verdict.errorCode === message.expectedError, `${message.expectedError}: ${show(verdict)}`);
      assert.equal(message.attributes.expected_error, message.expectedError);
    }
  });
  test('updates are valid and move each order forward along its lifecycle', () => {
    const allowed: Record<string, string[]> = {
      created: ['approved', 'canceled'],
      approved: ['invoiced', 'processing', 'canceled', 'unavailable'],
      invoiced: ['shipped'],
      processing: ['shipped'],
      shipped: ['delivered'],
    };
    const last = new Map<string, ParsedEvent>();
    let updates = 0;
    for (const message of messages) {
      if (message.kind !== 'created' && message.kind !== 'updated') continue;
      const verdict = validateMessage(message.data);
      assert.ok(verdict.valid, show(verdict));
      const event = verdict.event;
      const before = last.get(event.order.order_id);
      if (message.kind === 'created') assert.equal(event.event_sequence, 1);
      if (message.kind === 'updated') {
        updates += 1;
        assert.ok(before, 'update of an order never created');
        assert.ok(allowed[before.order.order_status]?.includes(event.order.order_status), `${before.order.order_status} -> ${event.order.order_status}`);
        assert.ok(event.event_time >= before.event_time, 'event_time went back');
        assert.equal(event.event_sequence, before.event_sequence! + 1, "event_sequence numbers an order's events 1, 2, 3...");
        assert.equal(event.order.order_purchase_timestamp, before.order.order_purchase_timestamp);
        if (event.order.order_status === 'shipped') assert.ok(event.order.order_delivered_carrier_date);
        if (event.order.order_status === 'delivered') assert.ok(event.order.order_delivered_customer_date! >= event.order.order_delivered_carrier_date!);
        if (event.items) assert.ok(event.payments && event.items.length < before.items!.length, 'a replacing update drops an item');
      }
      last.set(event.order.order_id, { ...event, items: event.items ?? before?.items ?? null });
    }
    assert.ok(updates > 2000);
    const statuses = new Set([...last.values()].map((e) => e.order.order_status));
    for (const status of ['approved', 'shipped', 'delivered']) assert.ok(statuses.has(status as never), `no order reached ${status}`);
  });
  test("some updates replace an order's items and payments as a set, still reconciling", () => {
    const replacing = messages.filter((m) => m.kind === 'updated' && m.event!.items);
    assert.ok(replacing.length > 0);
    for (const message of replacing) {
      const verdict = validateMessage(message.data);
      assert.ok(verdict.valid, show(verdict));
      assert.deepEqual(verdict.flags, []);
      assert.equal(verdict.event.items!.length, message.event!.items!.length);
    }
  });
  test('estimated delivery dates are midnight UTC', () => {
    assert.ok(messages.filter((m) => m.event).every((m) => m.event!.order.order_estimated_delivery_date!.endsWith('T00:00:00Z')));
  });
});
