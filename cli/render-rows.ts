import { stringify } from 'csv-stringify/sync';

/** How commands print rows: a table for people, JSON (one object a line) or CSV for tools. */
export const ROW_FORMATS = ['table', 'json', 'csv'];

/** Rows as text in one of ROW_FORMATS; nested values (arrays, records) as JSON in table and CSV cells. */
export function renderRows(rows: Record<string, unknown>[], format: string): string {
  if (format === 'json') return rows.map((row) => `${JSON.stringify(row)}\n`).join('');
  const columns = Object.keys(rows[0] ?? {});
  const cell = (value: unknown) => (value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value));
  if (format === 'csv') return stringify([columns, ...rows.map((row) => columns.map((c) => cell(row[c])))]);
  const table = [columns, ...rows.map((row) => columns.map((c) => cell(row[c])))];
  const widths = columns.map((_, i) => Math.min(60, Math.max(...table.map((line) => line[i]!.length))));
  const line = (values: string[]) =>
    values
      .map((v, i) => (v.length > widths[i]! ? `${v.slice(0, widths[i]! - 1)}…` : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return `${[line(columns), widths.map((w) => '-'.repeat(w)).join('  '), ...table.slice(1).map(line)].join('\n')}\n(${rows.length} row${rows.length === 1 ? '' : 's'})\n`;
}
