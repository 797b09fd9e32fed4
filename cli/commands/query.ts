import { defineCommand } from '../command.ts';
import { OperationalError, UsageError } from '../../common/errors.ts';
import { DEFAULT_DATABASE } from '../options.ts';

interface Args {
  sql: string;
  database: string;
  format: string;
}

export const queryCommand = defineCommand<Args>({
  command: 'query <sql>',
  describe: 'Run one SQL statement on the local DuckDB warehouse and print the rows',
  builder: (y) =>
    y
      .positional('sql', { type: 'string', describe: 'The statement, e.g. "SELECT * FROM mart.agg_daily_sales"' })
      .options({
        database: { type: 'string', default: DEFAULT_DATABASE, describe: 'DuckDB warehouse file' },
        format: { type: 'string', default: 'table', choices: ['table', 'json', 'csv'], describe: 'table for people, json (one object a line) or csv for tools' },
      })
      .example('orderflow query "SELECT order_status, count(*) FROM raw.orders_current GROUP BY 1"', 'orders by status'),
  handler: async ({ sql, database, format }) => {
    if (!sql.trim()) throw new UsageError('query needs a SQL statement, e.g. orderflow query "SELECT count(*) FROM raw.orders"');
    // Loaded here, not at the top: every CLI start would otherwise load this command's libraries.
    const { withDuckDBFile } = await import('../../common/warehouse/duckdb-file.ts');
    const rows = await withDuckDBFile(database, async (db) => {
      // A SQL error is the statement's failure, not a flag's: exit 1 (bad flags exit 2).
      const statements = await db.extractStatements(sql).catch((error: Error) => { throw new OperationalError(error.message); });
      // Only the last result would be shown: the others would run unseen.
      if (statements.count !== 1) throw new UsageError(`query runs one statement, got ${statements.count}: run each on its own`);
      try {
        return (await db.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
      } catch (error) {
        throw new OperationalError((error as Error).message);
      }
    }, { mode: 'read-only' });
    process.stdout.write(render(rows, format));
  },
});

function render(rows: Record<string, unknown>[], format: string): string {
  if (format === 'json') return rows.map((row) => `${JSON.stringify(row)}\n`).join('');
  const columns = Object.keys(rows[0] ?? {});
  const cell = (value: unknown) => (value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value));
  if (format === 'csv') {
    const quote = (text: string) => (/[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);
    return [columns, ...rows.map((row) => columns.map((c) => cell(row[c])))].map((line) => `${line.map(quote).join(',')}\n`).join('');
  }
  const table = [columns, ...rows.map((row) => columns.map((c) => cell(row[c])))];
  const widths = columns.map((_, i) => Math.min(60, Math.max(...table.map((line) => line[i]!.length))));
  const line = (values: string[]) => values.map((v, i) => (v.length > widths[i]! ? `${v.slice(0, widths[i]! - 1)}…` : v.padEnd(widths[i]!))).join('  ').trimEnd();
  return `${[line(columns), widths.map((w) => '-'.repeat(w)).join('  '), ...table.slice(1).map(line)].join('\n')}\n(${rows.length} row${rows.length === 1 ? '' : 's'})\n`;
}
