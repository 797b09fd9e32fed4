import type { RawRows } from '../../streaming/rows.ts';
import { TransientWriteError } from '../../streaming/errors.ts';
import { WriteRefusedError, type RejectedRow, type RowSink, type WriteResult } from '../../streaming/sinks/sink.ts';

export interface FaultPlan {
  /** Fail this many writes in a row, starting with the next one. */
  failNext?: number;
  /** Fail every write until this time (ms since the epoch). */
  failUntil?: number;
  /** Rows the engine refuses for good: return a reason to reject the row. */
  reject?: (table: RejectedRow['table'], row: RawRows[RejectedRow['table']][number]) => string | undefined;
  /** Rows that make the engine refuse the whole write (DuckDB's way): nothing is written, WriteRefusedError names the reason. */
  refuse?: (table: RejectedRow['table'], row: RawRows[RejectedRow['table']][number]) => string | undefined;
  /** Every write takes this long (ms) before the rest of the plan applies, as a real engine's round trip does. */
  delayMs?: number;
}

/**
 * Wraps a sink and injects transient failures (the write throws and writes nothing), refusals of
 * a whole write (WriteRefusedError, nothing written) or permanent row rejections (the refused rows
 * are dropped, the rest written), for tests of the settle logic.
 */
export class FaultySink implements RowSink {
  failures = 0;
  refusals = 0;

  constructor(
    private readonly inner: RowSink,
    public plan: FaultPlan = {},
  ) {}

  async write(batch: RawRows): Promise<WriteResult> {
    const { plan } = this;
    if (plan.delayMs) await new Promise((resolve) => setTimeout(resolve, plan.delayMs));
    if ((plan.failNext ?? 0) > 0 || (plan.failUntil ?? 0) > Date.now()) {
      if (plan.failNext) plan.failNext -= 1;
      this.failures += 1;
      throw new TransientWriteError('injected transient write failure');
    }
    if (plan.refuse) {
      for (const table of Object.keys(batch) as RejectedRow['table'][]) {
        for (const row of batch[table]) {
          const reason = plan.refuse(table, row);
          if (reason) {
            this.refusals += 1;
            throw new WriteRefusedError(`injected refusal: ${reason}`);
          }
        }
      }
    }
    if (!plan.reject) return this.inner.write(batch);
    const rejected: RejectedRow[] = [];
    const kept = { ...batch };
    for (const table of Object.keys(batch) as RejectedRow['table'][]) {
      kept[table] = batch[table].filter((row, index) => {
        const reason = plan.reject!(table, row);
        if (reason) rejected.push({ table, index, reason });
        return !reason;
      });
    }
    const result = await this.inner.write(kept);
    return { rejected: [...rejected, ...result.rejected] };
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
