import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validateMessage, type Verdict } from '../../common/contract/validate.ts';
import { bytes, createdEvent, updatedEvent } from '../fixtures/events.ts';

type Mutable = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function assertValid(verdict: Verdict): asserts verdict is Extract<Verdict, { valid: true }> {
  assert.equal(verdict.valid, true, verdict.valid ? '' : JSON.stringify(verdict.errors));
}

function rejected(verdict: Verdict) {
  assert.equal(verdict.valid, false, 'expected the message to be rejected');
  return verdict as Extract<Verdict, { valid: false }>;
}

const mutated = (change: (event: Mutable) => void, base = createdEvent()) => {
  const event = base as Mutable;
  change(event);
  return validateMessage(bytes(event));
};

describe('valid edge cases of the contract are accepted', () => {
  test('a full order_created with 2-decimal money (0.07, 59.9) and no flags', () => {
    const verdict = validateMessage(bytes(createdEvent()));
    assertValid(verdict);
    assert.deepEqual(verdict.flags, []);
    assert.equal(verdict.event.order.order_id, 'a'.repeat(32));
  });
  test('an order_updated without items, payments or customer', () => assertValid(validateMessage(bytes(updatedEvent()))));
  test('an order_updated that carries only items (replaces them)', () =>
    assertValid(mutated((e) => (e.items = createdEvent().items), updatedEvent())));
  test('nulls and absent optional timestamps', () =>
    assertValid(mutated((e) => { delete e.order.order_approved_at; e.order.order_estimated_delivery_date = null; })));
  test('unknown fields anywhere are ignored', () =>
    assertValid(mutated((e) => { e.extra = { a: 1 }; e.order.channel = 'app'; e.items[0].gift = true; e.payments[0].card = 'visa'; e.customer.x = 1; })));
  test('offsets other than Z, and fractional seconds', () =>
    assertValid(mutated((e) => { e.event_time = '2026-11-20T07:00:00.123-03:00'; e.order.order_purchase_timestamp = '2026-11-20T13:00:00+03:00'; e.order.order_approved_at = '2026-11-20T10:00:00.5Z'; })));
  test('bounds: 100 items, 50 payments, installments 0 and 24, money at 10,000,000', () =>
    assertValid(mutated((e) => {
      e.items = Array.from({ length: 100 }, (_, i) => ({ ...e.items[0], order_item_id: i + 1, price: 10000000, freight_value: 9999999.99 }));
      e.payments = Array.from({ length: 50 }, (_, i) => ({ payment_sequential: i + 1, payment_type: 'voucher', payment_installments: i % 2 ? 24 : 0, payment_value: 0 }));
    })));
  test('event_id with every allowed character class, 128 long', () => assertValid(mutated((e) => (e.event_id = `Ab9._:-${'x'.repeat(121)}`))));
  test('a timestamp equal to the purchase time is not "earlier"', () =>
    assertValid(mutated((e) => (e.order.order_approved_at = e.order.order_purchase_timestamp))));
  test('payments within 0.01 of the items are not flagged', () => {
    const verdict = mutated((e) => (e.payments[0].payment_value = 75.08));
    assertValid(verdict);
    assert.deepEqual(verdict.flags, []);
  });
  test('payments off by more than 0.01 are accepted but flagged payment_mismatch', () => {
    const verdict = mutated((e) => (e.payments[0].payment_value = 75.09));
    assertValid(verdict);
    assert.deepEqual(verdict.flags, ['payment_mismatch']);
  });
});

describe('each reason code is given for what it names', () => {
  test('not_utf8', () => {
    const verdict = rejected(validateMessage(Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d])));
    assert.equal(verdict.errorCode, 'not_utf8');
    assert.deepEqual(verdict.errors, [{ code: 'not_utf8', path: '', message: 'message data is not valid UTF-8' }]);
  });
  for (const text of ['', '{"event_id": "x"', 'not json', '{a:1}']) {
    test(`not_json: ${JSON.stringify(text)}`, () => assert.equal(rejected(validateMessage(Buffer.from(text))).errorCode, 'not_json'));
  }
  for (const text of ['[]', 'null', '42', '"order"', 'true']) {
    test(`not_object: ${text}`, () => assert.equal(rejected(validateMessage(bytes(text))).errorCode, 'not_object'));
  }
  const schemaBreaks: [string, (e: Mutable) => void, string][] = [
    ['uppercase order_id', (e) => (e.order.order_id = 'A'.repeat(32)), '/order/order_id'],
    ['zero price', (e) => (e.items[0].price = 0), '/items/0/price'],
    ['3-decimal freight', (e) => (e.items[0].freight_value = 1.005), '/items/0/freight_value'],
    ['money over 10,000,000', (e) => (e.payments[0].payment_value = 10000000.01), '/payments/0/payment_value'],
    ['event_time without offset', (e) => (e.event_time = '2026-11-20T10:00:00'), '/event_time'],
    ['impossible date', (e) => (e.event_time = '2026-02-30T10:00:00Z'), '/event_time'],
    ['unknown event_type', (e) => (e.event_type = 'order_deleted'), '/event_type'],
    ['schema_version 2', (e) => (e.schema_version = 2), '/schema_version'],
    ['missing order', (e) => delete e.order, '/order'],
    ['missing event_id', (e) => delete e.event_id, '/event_id'],
    ['event_id with a space', (e) => (e.event_id = 'evt 1'), '/event_id'],
    ['event_id of 129 chars', (e) => (e.event_id = 'x'.repeat(129)), '/event_id'],
    ['unknown status', (e) => (e.order.order_status = 'lost'), '/order/order_status'],
    ['unknown payment type', (e) => (e.payments[0].payment_type = 'pix'), '/payments/0/payment_type'],
    ['25 installments', (e) => (e.payments[0].payment_installments = 25), '/payments/0/payment_installments'],
    ['payment_sequential 0', (e) => (e.payments[0].payment_sequential = 0), '/payments/0/payment_sequential'],
    ['order_item_id 1001', (e) => (e.items[0].order_item_id = 1001), '/items/0/order_item_id'],
    ['empty items', (e) => (e.items = []), '/items'],
    ['101 items', (e) => (e.items = Array.from({ length: 101 }, (_, i) => ({ ...e.items[0], order_item_id: i + 1 }))), '/items'],
    ['4-digit zip', (e) => (e.customer.customer_zip_code_prefix = '1310'), '/customer/customer_zip_code_prefix'],
    ['zip as a number', (e) => (e.customer.customer_zip_code_prefix = 1310), '/customer/customer_zip_code_prefix'],
    ['lowercase state', (e) => (e.customer.customer_state = 'sp'), '/customer/customer_state'],
    ['price as a string', (e) => (e.items[0].price = '59.90'), '/items/0/price'],
  ];
  for (const [name, change, path] of schemaBreaks) {
    test(`schema: ${name} -> ${path}`, () => {
      const verdict = rejected(mutated(change));
      assert.equal(verdict.errorCode, 'schema');
      assert.ok(verdict.errors.some((e) => e.code === 'schema' && e.path === path), JSON.stringify(verdict.errors));
    });
  }
  test('enum errors name the allowed values', () => {
    const verdict = rejected(mutated((e) => (e.order.order_status = 'lost')));
    assert.match(verdict.errors[0]!.message, /created, approved, invoiced/);
  });
  const rules: [string, (e: Mutable) => void, string][] = [
    ['rule:timestamp_before_purchase', (e) => (e.order.order_delivered_customer_date = '2026-11-20T09:59:59Z'), '/order/order_delivered_customer_date'],
    ['rule:timestamp_before_purchase', (e) => (e.order.order_approved_at = '2026-11-20T12:59:59+03:00'), '/order/order_approved_at'],
    ['rule:duplicate_order_item_id', (e) => (e.items[1].order_item_id = 1), '/items/1/order_item_id'],
    ['rule:duplicate_payment_sequential', (e) => e.payments.push({ ...e.payments[0] }), '/payments/1/payment_sequential'],
    ['rule:created_without_lines', (e) => delete e.items, '/items'],
    ['rule:created_without_lines', (e) => delete e.payments, '/payments'],
  ];
  for (const [code, change, path] of rules) {
    test(`${code} at ${path}`, () => {
      const verdict = rejected(mutated(change));
      assert.equal(verdict.errorCode, code);
      assert.deepEqual(verdict.errors.map((e) => [e.code, e.path]), [[code, path]]);
    });
  }
  // Short lists compare with earlier entries, long ones use a Set: both report each repeat.
  for (const count of [3, 40]) {
    test(`rule:duplicate_order_item_id on every repeat in a list of ${count} items`, () => {
      const verdict = rejected(mutated((e) => {
        e.items = Array.from({ length: count }, (_, i) => ({ ...e.items[0], order_item_id: i + 1 }));
        e.items[count - 2].order_item_id = 1;
        e.items[count - 1].order_item_id = 1;
      }));
      assert.deepEqual(verdict.errors.filter((e) => e.code === 'rule:duplicate_order_item_id').map((e) => e.path), [`/items/${count - 2}/order_item_id`, `/items/${count - 1}/order_item_id`]);
    });
  }
});

describe('a message with several violations lists all of them', () => {
  test('schema errors come first and set error_code; rule violations follow', () => {
    const verdict = rejected(mutated((e) => {
      e.order.order_approved_at = '2026-11-19T00:00:00Z';
      e.items[1].order_item_id = 1;
      e.order.customer_id = 'nope';
      e.payments[0].payment_type = 'pix';
    }));
    assert.equal(verdict.errorCode, 'schema');
    assert.deepEqual(verdict.errors.map((e) => e.code), ['schema', 'schema', 'rule:timestamp_before_purchase', 'rule:duplicate_order_item_id']);
    assert.equal(verdict.eventId, 'evt-0001');
  });
  test('every violation of one kind is listed, not just the first', () => {
    const verdict = rejected(mutated((e) => e.items.forEach((item: Mutable) => (item.product_id = 'X'))));
    assert.deepEqual(verdict.errors.map((e) => e.path), ['/items/0/product_id', '/items/1/product_id']);
  });
});
