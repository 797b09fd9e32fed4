import type { Randomizer } from '@faker-js/faker';

/**
 * sfc32 behind Faker's Randomizer interface. Entities are re-seeded per lookup, and Faker's default
 * Mersenne Twister spends ~27 µs re-initialising 624 words each time; sfc32 has 4 words of state,
 * seeded from every element of the seed array through splitmix32, so (seed, kind, index) never collide
 * the way folding them into one 32-bit seed would.
 */
export function sfc32Randomizer(seed: number | number[] = 0): Randomizer {
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  const next32 = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  const randomizer: Randomizer = {
    next: () => next32() / 4294967296,
    seed: (value) => {
      let state = 0x9e3779b9;
      const words: number[] = [];
      const mix = (input: number) => {
        state = (state + 0x9e3779b9 + (input | 0)) | 0;
        let z = state;
        z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
        z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
        return (z ^ (z >>> 15)) >>> 0;
      };
      // Fold each element (split into 32-bit halves so large seeds keep all their bits) into the state.
      for (const n of Array.isArray(value) ? value : [value]) {
        mix(Math.floor(n / 4294967296));
        mix(n >>> 0);
      }
      for (let i = 0; i < 4; i++) words.push(mix(i));
      [a, b, c, d] = words as [number, number, number, number];
      for (let i = 0; i < 12; i++) next32(); // warm-up, as sfc32's authors recommend
    },
  };
  randomizer.seed(seed);
  return randomizer;
}
