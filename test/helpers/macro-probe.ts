/** Every expression macro applied to known values (macro arguments name columns: they cannot hold quotes). */
export const MACRO_PROBE = `WITH v AS (
  SELECT 2.5 AS m, 12.345 AS c, 1234 AS k, 7 AS a, 2 AS b, 0 AS zero,
    TIMESTAMP '2026-11-01 23:00:00' AS s, TIMESTAMP '2026-11-02 01:00:00' AS e, DATE '2026-11-20' AS d,
    DATE '2026-01-31' AS jan, DATE '2027-01-30' AS dec, DATE '2026-03-01' AS mar, DATE '2026-11-22' AS sun, TIMESTAMP '2026-11-20 01:02:03.456789' AS t
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
  {{ days_between('CAST(s AS DATE)', 'CAST(e AS DATE)') }} AS days,
  {{ date_text('month_of_d') }} AS month,
  {{ month_diff('jan', 'mar') }} AS months,
  {{ date_text('week_before_d') }} AS week_ago,
  {{ iso_day_of_week('sun') }} AS sunday,
  {{ timestamp_text('t') }} AS ts,
  {{ date_text('d') }} AS day,
  (SELECT COUNT(*) FROM v AS y, {{ date_spine('y.jan', 'y.dec') }}) AS days_2026
FROM w`;

/** What the probe must give on either engine, as text. */
export const MACRO_PROBE_VALUES = {
  money: '2.5',
  cents: '1235',
  from_cents: '12.34',
  int_div: '3',
  ratio: null,
  days: '1',
  month: '2026-11-01',
  months: '2',
  week_ago: '2026-11-13',
  sunday: '7',
  ts: '2026-11-20 01:02:03.456789',
  day: '2026-11-20',
  days_2026: '365',
};

/** Values as text, numbers without trailing zeros (DuckDB's DECIMAL(18,2) prints 2.50, BigQuery's NUMERIC 2.5). */
export const asText = (row: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(row).map(([k, v]) => {
      if (v === null) return [k, null];
      const text = String(v);
      return [k, /^-?\d+(\.\d+)?$/.test(text) ? String(Number(text)) : text];
    }),
  );

/**
 * Instants around daylight-saving changes and local midnights, per time zone: São Paulo's last DST
 * (2017-10-15 start, 2018-02-18 end, with its historical rules), New York's 2026 changes, and
 * UTC. The expected local dates come from the runtime's tz database (Intl), not from either engine.
 */
export const TIME_ZONE_PROBES: Record<string, string[]> = {
  'America/Sao_Paulo': [
    '2017-10-15 02:59:59.999999',
    '2017-10-15 03:00:00',
    '2017-10-15 03:30:00',
    '2018-02-18 01:59:59',
    '2018-02-18 02:00:00',
    '2018-02-18 02:30:00',
    '2018-02-18 03:00:00',
    '2026-11-20 02:59:59',
    '2026-11-20 03:00:00',
    '2000-01-01 00:00:00',
    '2099-12-31 23:59:59',
  ],
  'America/New_York': ['2026-03-08 06:59:59', '2026-03-08 07:00:00', '2026-11-01 04:59:59', '2026-11-01 05:00:00', '2026-11-01 05:30:00'],
  UTC: ['2026-11-19 23:59:59.999999', '2026-11-20 00:00:00'],
};

/** One row per instant: its index and its local date by the local_date macro, as text. */
export function localDateProbe(instants: readonly string[]): string {
  const rows = instants.map((ts, i) => `SELECT ${i} AS i, TIMESTAMP '${ts}' AS ts`).join('\n  UNION ALL\n  ');
  return `WITH probes AS (
  ${rows}
)

SELECT i, CAST({{ local_date('ts') }} AS {{ string_type() }}) AS local_day FROM probes ORDER BY i`;
}

/** The local dates the probe must give, from Intl. */
export function expectedLocalDates(zone: string, instants: readonly string[]): string[] {
  const format = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' });
  return instants.map((ts) => format.format(new Date(`${ts.replace(' ', 'T')}Z`)));
}
