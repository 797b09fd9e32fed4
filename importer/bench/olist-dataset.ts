import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { writeAll } from '../../common/ndjson.ts';
import { sfc32Randomizer } from '../../common/randomizer.ts';
import { HISTORY_FILES, type HistoryFile } from '../olist/files.ts';

/** The generator's seeded sfc32 without Faker on top (Faker's helpers cost ~100x more a draw here). */
class Rng {
  private readonly source;
  constructor(seed: number) {
    this.source = sfc32Randomizer(seed);
  }
  next = () => this.source.next();
  chance = (p: number) => this.next() < p;
  int = (min: number, max: number) => min + Math.floor(this.next() * (max - min + 1));
  element = <T>(list: readonly T[]) => list[Math.floor(this.next() * list.length)]!;
}
type Random = Rng;

const hex = (rng: Random) =>
  Array.from({ length: 4 }, () =>
    Math.floor(rng.next() * 2 ** 32)
      .toString(16)
      .padStart(8, '0'),
  ).join('');
const STATES = ['SP', 'SP', 'SP', 'RJ', 'MG', 'RS', 'PR', 'SC', 'BA'];
const TYPES = ['credit_card', 'credit_card', 'credit_card', 'boleto', 'voucher', 'debit_card'];

/** `YYYY-MM-DD HH:MM:SS` of a "local" ms value (the wall clock, written as if UTC). */
const wall = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

/**
 * A Kaggle-size Olist-format folder for the import benchmark (not the real data): `orders` orders
 * over 2016-09..2018-08 with ~1.14 items and ~1.04 payments each, ~1% without items, a BOM on the
 * orders file, quoted ids, and the items and payments rows shuffled (the real files are not
 * sorted by order either). Seeded: the same count gives the same bytes.
 */
export async function writeOlistDataset(dir: string, orders: number, seed = 1): Promise<Record<HistoryFile, number>> {
  const rng = new Rng(seed);
  const rows = { orders: [] as string[], items: [] as string[], payments: [] as string[], customers: [] as string[] };
  const start = Date.parse('2016-09-04T00:00:00Z');
  const span = Date.parse('2018-08-31T00:00:00Z') - start;
  const q = (text: string) => `"${text}"`;
  for (let n = 0; n < orders; n++) {
    const orderId = hex(rng);
    const customerId = hex(rng);
    const purchase = start + Math.floor((rng.next() * span) / 1000) * 1000;
    const noItems = rng.chance(0.01);
    const delivered = !noItems && rng.chance(0.97);
    const approved = purchase + rng.int(60, 36_000) * 1000;
    const carrier = approved + rng.int(1, 5) * 86_400_000 + rng.int(0, 86_399) * 1000;
    const customer = carrier + rng.int(3, 20) * 86_400_000 + rng.int(0, 86_399) * 1000;
    const estimated = Math.floor((purchase + rng.int(10, 30) * 86_400_000) / 86_400_000) * 86_400_000;
    const status = noItems ? (rng.chance(0.5) ? 'canceled' : 'unavailable') : delivered ? 'delivered' : 'shipped';
    rows.orders.push(
      [
        q(orderId),
        q(customerId),
        q(status),
        q(wall(purchase)),
        q(wall(approved)),
        noItems ? '' : q(wall(carrier)),
        delivered ? q(wall(customer)) : '',
        q(wall(estimated)),
      ].join(','),
    );
    let due = 0;
    const itemCount = noItems ? 0 : rng.chance(0.9) ? 1 : rng.int(2, 4);
    for (let i = 1; i <= itemCount; i++) {
      const price = rng.int(85, 50_000);
      const freight = rng.int(0, 5_000);
      due += price + freight;
      rows.items.push(
        [q(orderId), i, q(hex(rng)), q(hex(rng)), q(wall(purchase + 6 * 86_400_000)), (price / 100).toFixed(2), (freight / 100).toFixed(2)].join(','),
      );
    }
    if (noItems) due = rng.int(1_000, 20_000);
    const split = rng.chance(0.04) ? 2 : 1;
    for (let p = 1; p <= split; p++) {
      const value = split === 1 ? due : p === 1 ? Math.floor(due / 2) : due - Math.floor(due / 2);
      const type = rng.element(TYPES);
      rows.payments.push([q(orderId), p, q(type), type === 'credit_card' ? rng.int(1, 10) : 1, (value / 100).toFixed(2)].join(','));
    }
    rows.customers.push([q(customerId), q(hex(rng)), String(rng.int(1000, 99_990)), q('sao paulo'), q(rng.element(STATES))].join(','));
  }
  shuffle(rows.items, rng);
  shuffle(rows.payments, rng);
  shuffle(rows.customers, rng);
  const counts = {} as Record<HistoryFile, number>;
  for (const file of Object.keys(HISTORY_FILES) as HistoryFile[]) {
    const { file: name, columns } = HISTORY_FILES[file];
    const out = createWriteStream(join(dir, name));
    await writeAll(out, `${file === 'orders' ? '\uFEFF' : ''}${columns.map(q).join(',')}\n`);
    for (const line of rows[file]) await writeAll(out, `${line}\n`);
    out.end();
    await once(out, 'finish');
    counts[file] = rows[file].length;
  }
  return counts;
}

function shuffle<T>(list: T[], rng: Random): void {
  for (let i = list.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
}
