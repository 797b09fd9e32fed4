import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validateEvent, validateMessage, type Verdict } from '../../common/contract/validate.ts';
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
  test('an order_updated that carries only items (replaces them)', () => assertValid(mutated((e) => (e.items = createdEvent().items), updatedEvent())));
  test('nulls and absent optional timestamps', () =>
    assertValid(
      mutated((e) => {
        delete e.order.order_approved_at;
        e.order.order_estimated_delivery_date = null;
      }),
    ));
  test('unknown fields anywhere are ignored', () =>
    assertValid(
      mutated((e) => {
        e.extra = { a: 1 };
        e.order.channel = 'app';
        e.items[0].gift = true;
        e.payments[0].card = 'visa';
        e.customer.x = 1;
      }),
    ));
  test('offsets other than Z, and fractional seconds', () =>
    assertValid(
      mutated((e) => {
        e.event_time = '2026-11-20T07:00:00.123-03:00';
        e.order.order_purchase_timestamp = '2026-11-20T13:00:00+03:00';
        e.order.order_approved_at = '2026-11-20T10:00:00.5Z';
      }),
    ));
  test('bounds: 100 items, 50 payments, installments 0 and 24, money at 10,000,000', () =>
    assertValid(
      mutated((e) => {
        e.items = Array.from({ length: 100 }, (_, i) => ({ ...e.items[0], order_item_id: i + 1, price: 10000000, freight_value: 9999999.99 }));
        e.payments = Array.from({ length: 50 }, (_, i) => ({
          payment_sequential: i + 1,
          payment_type: 'voucher',
          payment_installments: i % 2 ? 24 : 0,
          payment_value: 0,
        }));
      }),
    ));
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

describe('flags of the revised contract: accepted, data kept, rows marked', () => {
  test('an order_created without items is flagged no_items, its payments kept', () => {
    const verdict = mutated((e) => delete e.items);
    assertValid(verdict);
    assert.deepEqual(verdict.flags, ['no_items']);
    assert.equal(verdict.event.payments![0]!.payment_value, 7507);
  });
  test('an order_created without payments is flagged no_payments', () => {
    const verdict = mutated((e) => delete e.payments);
    assertValid(verdict);
    assert.deepEqual(verdict.flags, ['no_payments']);
  });
  test('an order_updated without lines carries neither flag', () => {
    const verdict = validateMessage(bytes(updatedEvent()));
    assertValid(verdict);
    assert.deepEqual(verdict.flags, []);
  });
  for (const field of ['order_approved_at', 'order_delivered_carrier_date', 'order_delivered_customer_date']) {
    test(`${field} before the purchase is flagged timestamp_before_purchase and kept as sent`, () => {
      // 12:59:59+03:00 is 09:59:59Z, a second before the purchase.
      const verdict = mutated((e) => (e.order[field] = '2026-11-20T12:59:59+03:00'));
      assertValid(verdict);
      assert.deepEqual(verdict.flags, ['timestamp_before_purchase']);
      assert.equal((verdict.event.order as unknown as Record<string, bigint>)[field], BigInt(Date.parse('2026-11-20T09:59:59Z')) * 1000n);
    });
  }
});

describe('event_sequence', () => {
  test('an integer >= 1 is accepted and handed on; absent is null', () => {
    const verdict = mutated((e) => (e.event_sequence = 7));
    assertValid(verdict);
    assert.equal(verdict.event.event_sequence, 7);
    const plain = validateMessage(bytes(createdEvent()));
    assertValid(plain);
    assert.equal(plain.event.event_sequence, null);
  });
  test('the largest exact integer, 2^53 - 1, is accepted and kept exactly', () => {
    const verdict = mutated((e) => (e.event_sequence = Number.MAX_SAFE_INTEGER));
    assertValid(verdict);
    assert.equal(verdict.event.event_sequence, Number.MAX_SAFE_INTEGER);
  });
  // Found by a new user: 2^70 was accepted and then stored as NULL, and event_sequence decides "latest".
  for (const text of ['1180591620717411303424', '9007199254740993']) {
    test(`event_sequence ${text} (past what a JSON reader keeps exactly) is a schema violation`, () => {
      const message = Buffer.from(bytes(createdEvent()).toString('utf8').replace(/^\{/, `{"event_sequence":${text},`));
      const verdict = rejected(validateMessage(message));
      assert.deepEqual(
        verdict.errors.map((e) => [e.code, e.path]),
        [['schema', '/event_sequence']],
      );
    });
  }
  test('payment_sequential past 2^53 - 1 is a schema violation too (the same kind: an integer no reader keeps exactly)', () => {
    const text = bytes(createdEvent())
      .toString('utf8')
      .replace(/"payment_sequential":1\b/, '"payment_sequential":1180591620717411303424');
    assert.match(text, /1180591620717411303424/);
    const verdict = rejected(validateMessage(Buffer.from(text)));
    assert.deepEqual(
      verdict.errors.map((e) => [e.code, e.path]),
      [['schema', '/payments/0/payment_sequential']],
    );
  });
  for (const value of [0, -1, 1.5, '2', null]) {
    test(`event_sequence ${JSON.stringify(value)} is a schema violation`, () => {
      const verdict = rejected(mutated((e) => (e.event_sequence = value)));
      assert.deepEqual(
        verdict.errors.map((e) => [e.code, e.path]),
        [['schema', '/event_sequence']],
      );
    });
  }
});

describe('the exact timestamp grammar (handed cases 1 and 6 of issue 15)', () => {
  const micros = (iso: string) => BigInt(Date.parse(iso)) * 1000n;
  const accepted: [string, bigint][] = [
    ['2026-11-20T10:00:00Z', micros('2026-11-20T10:00:00Z')],
    ['2026-11-20T07:00:00-03:00', micros('2026-11-20T10:00:00Z')],
    ['2026-11-20T15:30:00.5+05:30', micros('2026-11-20T10:00:00Z') + 500_000n],
    ['2026-11-20T10:00:00.123456Z', micros('2026-11-20T10:00:00Z') + 123_456n],
    ['2026-11-20T10:00:00.123456789Z', micros('2026-11-20T10:00:00Z') + 123_456n],
    ['2026-11-20t10:00:00z', micros('2026-11-20T10:00:00Z')],
    ['2000-01-01T00:00:00Z', micros('2000-01-01T00:00:00Z')],
    ['2000-01-01T02:00:00+02:00', micros('2000-01-01T00:00:00Z')],
    ['2099-12-31T23:59:59Z', micros('2099-12-31T23:59:59Z')],
    ['2028-02-29T00:00:00Z', micros('2028-02-29T00:00:00Z')],
  ];
  for (const [text, expected] of accepted) {
    test(`accepted: ${text} is ${expected} µs`, () => {
      const verdict = mutated((e) => (e.event_time = text));
      assertValid(verdict);
      assert.equal(verdict.event.event_time, expected);
    });
  }
  const refused = [
    '2026-11-20T00:01:07+05', // handed case 1: hours-only offset
    '2026-11-20T00:01:07+0500',
    '2026-11-20T00:01:07',
    '2026-11-20 00:01:07Z',
    '2026-11-20T00:01:07.Z',
    '2026-11-20T00:01:07.1234567890Z',
    '2026-11-20T24:00:00Z',
    '2026-11-20T23:59:60Z',
    '2026-02-29T00:00:00Z',
    '2026-11-20T00:00:00+24:00',
    '1999-12-31T23:59:59Z',
    '2000-01-01T01:59:59+02:00',
    '2100-01-01T00:00:00Z',
    '2099-12-31T23:59:59-00:01',
    '+02026-11-20T00:00:00Z',
    '2026-11-20T00:00:00Z ',
  ];
  for (const text of refused) {
    test(`refused as schema: ${JSON.stringify(text)}`, () => {
      const verdict = rejected(mutated((e) => (e.event_time = text)));
      assert.equal(verdict.errorCode, 'schema');
      assert.equal(verdict.errors[0]!.path, '/event_time');
      assert.match(verdict.errors[0]!.message, new RegExp(JSON.stringify(text).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    });
  }
  test('handed case 6: a 1970 purchase timestamp is outside the accepted range', () => {
    const verdict = rejected(mutated((e) => (e.order.order_purchase_timestamp = '1970-01-01T00:00:00Z')));
    assert.deepEqual(
      verdict.errors.map((e) => [e.code, e.path]),
      [['schema', '/order/order_purchase_timestamp']],
    );
    assert.match(verdict.errors[0]!.message, /2000-01-01T00:00:00Z \.\. 2099-12-31T23:59:59Z/);
  });
});

describe('money: at most 2 decimals as written (handed case 3 of issue 15)', () => {
  const withPrice = (text: string) => bytes(JSON.stringify(createdEvent()).replace('"price":59.9', `"price":${text}`));
  for (const [text, cents] of [
    ['59.9', 5990],
    ['59.90', 5990],
    ['60', 6000],
    ['0.07', 7],
    ['10000000', 1_000_000_000],
    ['10000000.00', 1_000_000_000],
  ] as const) {
    test(`${text} is accepted as ${cents} cents`, () => {
      const verdict = validateMessage(withPrice(text));
      assertValid(verdict);
      assert.equal(verdict.event.items![0]!.price, cents);
    });
  }
  for (const text of ['1e-9', '0.125', '0.30000000000000004', '59.900', '5.99e1', '6E1', '59.9000000000000000001']) {
    test(`${text} is refused on its text`, () => {
      const verdict = rejected(validateMessage(withPrice(text)));
      assert.deepEqual(
        verdict.errors.map((e) => [e.code, e.path]),
        [['schema', '/items/0/price']],
      );
      assert.ok(verdict.errors[0]!.message.includes(text), verdict.errors[0]!.message);
    });
  }
  test('numbers elsewhere (unknown fields) may have any form', () => {
    const text = JSON.stringify({ ...createdEvent(), extra: 1e-9, more: [0.125] });
    assertValid(validateMessage(bytes(text)));
  });
  test('the same digits inside a string do not make money invalid', () => {
    const event = createdEvent();
    event.source = 'x: 1.125]';
    assertValid(validateMessage(bytes(event)));
  });
  test('validateEvent (values, not text) refuses what JSON.stringify writes with 3 decimals or an exponent', () => {
    const event = createdEvent() as Mutable;
    event.items[0].price = 0.125;
    event.items[1].price = 1e-9;
    const verdict = rejected(validateEvent(event));
    assert.deepEqual(
      verdict.errors.map((e) => e.path),
      ['/items/0/price', '/items/1/price'],
    );
  });
});

describe('strings must be valid Unicode (handed case 2 of issue 15)', () => {
  test('an unpaired surrogate escape in customer_city is a schema violation', () => {
    const text = JSON.stringify(createdEvent()).replace('"sao paulo"', '"bras\\ud83dlia"');
    const verdict = rejected(validateMessage(Buffer.from(text)));
    assert.deepEqual(
      verdict.errors.map((e) => [e.code, e.path]),
      [['schema', '/customer/customer_city']],
    );
  });
  test('a surrogate pair (an emoji) and control characters are fine', () => {
    const event = createdEvent();
    event.customer!.customer_city = 'bras\u{1F600}lia\u0001\t';
    assertValid(validateMessage(bytes(event)));
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
      assert.ok(
        verdict.errors.some((e) => e.code === 'schema' && e.path === path),
        JSON.stringify(verdict.errors),
      );
    });
  }
  test('enum errors name the allowed values', () => {
    const verdict = rejected(mutated((e) => (e.order.order_status = 'lost')));
    assert.match(verdict.errors[0]!.message, /created, approved, invoiced/);
  });
  const rules: [string, (e: Mutable) => void, string][] = [
    ['rule:duplicate_order_item_id', (e) => (e.items[1].order_item_id = 1), '/items/1/order_item_id'],
    ['rule:duplicate_payment_sequential', (e) => e.payments.push({ ...e.payments[0] }), '/payments/1/payment_sequential'],
  ];
  for (const [code, change, path] of rules) {
    test(`${code} at ${path}`, () => {
      const verdict = rejected(mutated(change));
      assert.equal(verdict.errorCode, code);
      assert.deepEqual(
        verdict.errors.map((e) => [e.code, e.path]),
        [[code, path]],
      );
    });
  }
  // Short lists compare with earlier entries, long ones use a Set: both report each repeat.
  for (const count of [3, 40]) {
    test(`rule:duplicate_order_item_id on every repeat in a list of ${count} items`, () => {
      const verdict = rejected(
        mutated((e) => {
          e.items = Array.from({ length: count }, (_, i) => ({ ...e.items[0], order_item_id: i + 1 }));
          e.items[count - 2].order_item_id = 1;
          e.items[count - 1].order_item_id = 1;
        }),
      );
      assert.deepEqual(
        verdict.errors.filter((e) => e.code === 'rule:duplicate_order_item_id').map((e) => e.path),
        [`/items/${count - 2}/order_item_id`, `/items/${count - 1}/order_item_id`],
      );
    });
  }
});

describe('a message with several violations lists all of them', () => {
  test('schema errors come first and set error_code; rule violations follow', () => {
    const verdict = rejected(
      mutated((e) => {
        e.order.order_approved_at = '2026-11-19T00:00:00Z';
        e.items[1].order_item_id = 1;
        e.order.customer_id = 'nope';
        e.payments[0].payment_type = 'pix';
      }),
    );
    assert.equal(verdict.errorCode, 'schema');
    assert.deepEqual(
      verdict.errors.map((e) => e.code),
      ['schema', 'schema', 'rule:duplicate_order_item_id'],
    );
    assert.equal(verdict.eventId, 'evt-0001');
  });
  test('every violation of one kind is listed, not just the first', () => {
    const verdict = rejected(mutated((e) => e.items.forEach((item: Mutable) => (item.product_id = 'X'))));
    assert.deepEqual(
      verdict.errors.map((e) => e.path),
      ['/items/0/product_id', '/items/1/product_id'],
    );
  });
});
