import { OperationalError } from '../common/errors.ts';
import { naiveUtc, render, NO_VARS } from './dialect.ts';
import { Bindings } from './params.ts';
import type { Warehouse } from './engines/warehouse.ts';

/** Another run holds the job's lease: this one did nothing (exit code 4). */
export class LeaseHeldError extends OperationalError {
  constructor(
    readonly holder: string,
    readonly expiresAt: string,
  ) {
    super(`another batch run (${holder}) holds the lease until ${expiresAt} UTC; nothing done`);
    this.name = 'LeaseHeldError';
  }
}

const LEASE = 'wap';

/**
 * Takes the job's lease, one row in audit.batch_lease: a MERGE that claims the row when it is
 * absent or expired, then a read of who holds it. Two runs' MERGEs on one table are serialized
 * (BigQuery queues or aborts concurrent DML on a table; DuckDB runs one statement at a time), so
 * exactly one sees itself as holder. An expired lease (a crashed run) is taken over.
 * Throws LeaseHeldError when another run holds it.
 */
export async function acquireLease(warehouse: Warehouse, runId: string, now: Date, ttlMs: number): Promise<void> {
  const { target } = warehouse;
  const claim = new Bindings(target.engine);
  const name = claim.string('lease', LEASE);
  const holder = claim.string('holder', runId);
  const at = claim.timestamp('acquired_at', naiveUtc(now));
  const until = claim.timestamp('expires_at', naiveUtc(new Date(now.getTime() + ttlMs)));
  await warehouse.execute(
    render(
      `MERGE INTO {{ audit('batch_lease') }} AS lease
USING (SELECT ${name} AS name) AS wanted
ON lease.name = wanted.name
WHEN MATCHED AND lease.expires_at < ${at} THEN
  UPDATE SET holder = ${holder}, acquired_at = ${at}, expires_at = ${until}
WHEN NOT MATCHED THEN
  INSERT (name, holder, acquired_at, expires_at) VALUES (${name}, ${holder}, ${at}, ${until})`,
      { target, vars: NO_VARS },
    ),
    claim.params,
  );
  const read = new Bindings(target.engine);
  const [row] = await warehouse.query(
    render(`SELECT holder, {{ timestamp_text('expires_at') }} AS expires_at FROM {{ audit('batch_lease') }} WHERE name = ${read.string('lease', LEASE)}`, {
      target,
      vars: NO_VARS,
    }),
    read.params,
  );
  if (row?.holder !== runId) throw new LeaseHeldError(String(row?.holder), String(row?.expires_at).slice(0, 19));
}

/** Gives the lease up (only if this run still holds it). */
export async function releaseLease(warehouse: Warehouse, runId: string): Promise<void> {
  const b = new Bindings(warehouse.target.engine);
  await warehouse.execute(
    render(`DELETE FROM {{ audit('batch_lease') }} WHERE name = ${b.string('lease', LEASE)} AND holder = ${b.string('holder', runId)}`, {
      target: warehouse.target,
      vars: NO_VARS,
    }),
    b.params,
  );
}
