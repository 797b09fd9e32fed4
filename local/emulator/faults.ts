import { sfc32Randomizer } from '../../common/randomizer.ts';

/**
 * Fault injection for tests of at-least-once consumers. All off by default. The random choices
 * come from a seeded generator so a failing test run can be replayed.
 */
export interface FaultOptions {
  /** Fraction (0..1) of acknowledged messages delivered once more anyway, as a duplicate. */
  duplicateRate: number;
  /** Fraction (0..1) of deliveries held back by delayMs before they become available. */
  delayRate: number;
  /** How long a delayed delivery is held back, in milliseconds. */
  delayMs: number;
  /** End each StreamingPull stream with UNAVAILABLE after it has delivered this many messages (0 = never). */
  dropStreamEvery: number;
  /** Seed of the generator behind duplicateRate and delayRate. */
  seed: number;
}

export const NO_FAULTS: FaultOptions = Object.freeze({ duplicateRate: 0, delayRate: 0, delayMs: 0, dropStreamEvery: 0, seed: 1 });

export function resolveFaults(partial: Partial<FaultOptions> = {}): FaultOptions {
  const faults = { ...NO_FAULTS, ...partial };
  // A delay without a rate means every delivery is delayed: the least surprising reading of --fault-delay-ms.
  if (partial.delayMs && partial.delayRate === undefined) faults.delayRate = 1;
  for (const key of ['duplicateRate', 'delayRate'] as const) {
    if (!(faults[key] >= 0 && faults[key] <= 1)) throw new RangeError(`${key} must be between 0 and 1, got ${faults[key]}`);
  }
  for (const key of ['delayMs', 'dropStreamEvery', 'seed'] as const) {
    if (!Number.isInteger(faults[key]) || faults[key] < 0) throw new RangeError(`${key} must be a non-negative integer, got ${faults[key]}`);
  }
  return faults;
}

/** The project's one seeded generator (sfc32, common/randomizer.ts): picks which messages get a fault. */
export function seededRandom(seed: number): () => number {
  const randomizer = sfc32Randomizer(seed);
  return () => randomizer.next();
}
