import type { Random } from './random.ts';

/** The generator's event clock: the time (ms since epoch) of each next event; never goes back. */
export type EventClock = (rng: Random) => number;

/**
 * Open-ended simulated time: a Poisson process, `meanIntervalMs` apart on average. Its end after n
 * events is only about start + n x mean (one standard deviation is mean x sqrt(n): hours for a
 * few thousand events), so a history that must end by a deadline uses `historyClock` instead.
 */
export function poissonClock(startTime: number, meanIntervalMs: number): EventClock {
  let clock = startTime;
  return (rng) => (clock += Math.round(rng.exponential(meanIntervalMs)));
}

/**
 * A simulated history of exactly `messages` events spread over [startTime, endTime): a Poisson
 * process conditioned on its count, drawn as the ascending order statistics of uniforms one at a
 * time (U(k) = 1 - (1 - U(k-1)) V^(1/(n-k+1)); Schucany, 1972), so the last event comes before
 * endTime whatever the draws. Events past `messages` keep the last time.
 */
export function historyClock(startTime: number, endTime: number, messages: number): EventClock {
  let position = 0; // U(k) in [0, 1)
  let left = messages;
  return (rng) => {
    if (left > 0) {
      position = 1 - (1 - position) * (1 - rng.next()) ** (1 / left);
      left -= 1;
    }
    return Math.min(endTime - 1, startTime + Math.floor((endTime - startTime) * position));
  };
}

/** Real time: the event clock is the wall clock (never going back), so no event is dated after it is made. */
export function wallClockOf(now: () => number, startTime: number): EventClock {
  let clock = startTime;
  return () => (clock = Math.max(clock, now()));
}
