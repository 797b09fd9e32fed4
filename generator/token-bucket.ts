/**
 * A token bucket: `rate` tokens a second, at most `burst` saved up. take() returns how long to wait;
 * the caller sleeps only when that is worth a timer, and the debt keeps the long-run rate exact.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly rate: number,
    readonly burst: number = Math.max(1, rate / 20),
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Takes `n` tokens (going into debt if need be) and returns the ms until the debt is paid. */
  take(n = 1): number {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.rate) / 1000);
    this.last = now;
    this.tokens -= n;
    return this.tokens >= 0 ? 0 : (-this.tokens * 1000) / this.rate;
  }
}
