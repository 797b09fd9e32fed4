import { Faker, base, en } from '@faker-js/faker';
import { sfc32Randomizer } from '../common/randomizer.ts';
import type { Weighted } from './reference-data.ts';

/** Faker on a fast seeded generator, plus the few distributions the Olist shapes need. */
export class Random {
  readonly faker: Faker;

  constructor(seed: number | number[]) {
    this.faker = new Faker({ locale: [en, base], randomizer: sfc32Randomizer(seed) });
  }

  /** Re-seed in place: entities are derived from (seed, kind, index) so they are stable and lazy. */
  reseed(seed: number | number[]): this {
    this.faker.seed(seed);
    return this;
  }

  next(): number {
    return this.faker.number.float();
  }

  chance(probability: number): boolean {
    return probability > 0 && this.next() < probability;
  }

  int(min: number, max: number): number {
    return this.faker.number.int({ min, max });
  }

  pick<T>(choices: Weighted<T>): T {
    return this.faker.helpers.weightedArrayElement(choices as { value: T; weight: number }[]);
  }

  element<T>(choices: readonly T[]): T {
    return this.faker.helpers.arrayElement(choices);
  }

  /** 32 lowercase hex digits from four 32-bit draws (Faker builds hex one character at a time). */
  hex32(): string {
    let hex = '';
    for (let i = 0; i < 4; i++)
      hex += Math.floor(this.next() * 4294967296)
        .toString(16)
        .padStart(8, '0');
    return hex;
  }

  normal(mean: number, sd: number): number {
    // Box-Muller; 1 - u keeps log() away from 0.
    const u = 1 - this.next();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** Lognormal with the given median and mean (mean > median): sigma^2 = 2 ln(mean / median). */
  logNormal(median: number, mean: number): number {
    return median * Math.exp(Math.sqrt(2 * Math.log(mean / median)) * this.normal(0, 1));
  }

  /**
   * An index in [0, size) from a long tail: P(index < x) = ln(1 + x / offset) / ln(1 + size / offset),
   * so P(k) is about 1 / ((k + offset) ln(1 + size / offset)) (Zipf's law with exponent 1, its head
   * flattened by `offset`): index 0 is the most likely, and most of a large range is rarely drawn.
   */
  longTailIndex(size: number, offset: number): number {
    return Math.min(size - 1, Math.floor(offset * ((1 + size / offset) ** this.next() - 1)));
  }

  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }
}
