import { NO_VARS, render, timestampLiteral } from './dialect.ts';
import type { Warehouse } from './engines/warehouse.ts';

export interface WorkSelection {
  /** Purchase dates to rebuild, ascending: touched since the watermark, plus the ones asked for. */
  dates: string[];
  /** Rows ingested after this (the last watermark minus the lookback) count as new; null = everything. */
  since: string | null;
  /** The newest ingested_at in the raw tables now: the watermark once this run publishes. */
  nextWatermark: string | null;
  /** How many dates came from new rows (the rest were asked for). */
  touched: number;
}

/** Moves a naive-UTC timestamp text back by whole days (a safety margin for rows that become visible late). */
export function daysBefore(timestamp: string, days: number): string {
  if (days === 0) return timestamp;
  const [date, time] = timestamp.split(' ');
  const shifted = new Date(Date.parse(`${date}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
  return `${shifted} ${time}`;
}

/**
 * The purchase dates of every order with a row (order, item or payment) ingested after the
 * watermark: a late update to an old order re-opens that order's date, and only that date.
 * Orphan rows (no order at all) re-open the day they were ingested.
 */
export async function selectWork(warehouse: Warehouse, watermark: string | null, lookbackDays: number, requested: readonly string[]): Promise<WorkSelection> {
  const since = watermark === null ? null : daysBefore(watermark, lookbackDays);
  const after = since === null ? 'TRUE' : `ingested_at > ${timestampLiteral(since)}`;
  const context = { target: warehouse.target, vars: NO_VARS };
  const touchedSql = render(`WITH new_rows AS (
  SELECT order_id, ingested_at FROM {{ source('orders') }} WHERE ${after}
  UNION ALL
  SELECT order_id, ingested_at FROM {{ source('order_items') }} WHERE ${after}
  UNION ALL
  SELECT order_id, ingested_at FROM {{ source('order_payments') }} WHERE ${after}
),

touched AS (
  SELECT CAST(order_purchase_timestamp AS DATE) AS work_date
  FROM {{ source('orders') }}
  WHERE order_id IN (SELECT order_id FROM new_rows)
),

-- Items or payments whose order never arrived have no purchase date: the day they arrived is
-- rebuilt instead, so the referential checks see them rather than nobody.
orphaned AS (
  SELECT CAST(ingested_at AS DATE) AS work_date
  FROM new_rows
  WHERE order_id NOT IN (SELECT order_id FROM {{ source('orders') }})
),

work_dates AS (
  SELECT work_date FROM touched
  UNION DISTINCT
  SELECT work_date FROM orphaned
)

SELECT {{ date_text('work_date') }} AS work_date FROM work_dates`, context);
  const watermarkSql = render(`WITH latest AS (
  SELECT MAX(ingested_at) AS ingested_at FROM {{ source('orders') }}
  UNION ALL
  SELECT MAX(ingested_at) FROM {{ source('order_items') }}
  UNION ALL
  SELECT MAX(ingested_at) FROM {{ source('order_payments') }}
)

SELECT {{ timestamp_text('MAX(ingested_at)') }} AS watermark FROM latest`, context);
  // Read the next watermark first: rows landing while the dates are read are picked up next run.
  const [latest] = await warehouse.query(watermarkSql);
  const touched = (await warehouse.query(touchedSql)).map((r) => String(r.work_date));
  const dates = [...new Set([...touched, ...requested])].sort();
  return { dates, since, nextWatermark: (latest?.watermark as string | null | undefined) ?? null, touched: touched.length };
}
