/** Every expression macro applied to known values (macro arguments name columns: they cannot hold quotes). */
export const MACRO_PROBE = `WITH v AS (
  SELECT 2.5 AS m, 12.345 AS c, 1234 AS k, 7 AS a, 2 AS b, 0 AS zero,
    TIMESTAMP '2026-11-01 23:00:00' AS s, TIMESTAMP '2026-11-02 01:00:00' AS e, DATE '2026-11-20' AS d,
    DATE '2026-01-31' AS jan, DATE '2026-03-01' AS mar, DATE '2026-11-22' AS sun, TIMESTAMP '2026-11-20 01:02:03.456789' AS t
),

w AS (
  SELECT v.*, {{ month_start('d') }} AS month_of_d, {{ add_days('d', '-7') }} AS week_before_d FROM v
)

SELECT
  CAST({{ money('m') }} AS {{ string_type() }}) AS money,
  {{ cents('c') }} AS cents,
  CAST({{ from_cents('k') }} AS {{ string_type() }}) AS from_cents,
  {{ int_div('a', 'b') }} AS int_div,
  {{ ratio('a', 'zero') }} AS ratio,
  {{ date_diff_days('s', 'e') }} AS days,
  {{ date_text('month_of_d') }} AS month,
  {{ month_diff('jan', 'mar') }} AS months,
  {{ date_text('week_before_d') }} AS week_ago,
  {{ iso_day_of_week('sun') }} AS sunday,
  {{ timestamp_text('t') }} AS ts,
  {{ date_text('d') }} AS day,
  (SELECT COUNT(*) FROM {{ date_spine('2026-01-01', '2026-12-31') }}) AS days_2026
FROM w`;

/** What the probe must give on either engine, as text. */
export const MACRO_PROBE_VALUES = {
  money: '2.5', cents: '1235', from_cents: '12.34', int_div: '3', ratio: null, days: '1', month: '2026-11-01', months: '2',
  week_ago: '2026-11-13', sunday: '7', ts: '2026-11-20 01:02:03.456789', day: '2026-11-20', days_2026: '365',
};

/** Values as text, numbers without trailing zeros (DuckDB's DECIMAL(18,2) prints 2.50, BigQuery's NUMERIC 2.5). */
export const asText = (row: Record<string, unknown>) => Object.fromEntries(Object.entries(row).map(([k, v]) => {
  if (v === null) return [k, null];
  const text = String(v);
  return [k, /^-?\d+(\.\d+)?$/.test(text) ? String(Number(text)) : text];
}));
