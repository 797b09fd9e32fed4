import { defineCommand } from '../command.ts';
import { OperationalError, UsageError } from '../../common/errors.ts';
import { DEFAULT_DATABASE } from '../options.ts';
import { ROW_FORMATS, renderRows } from '../render-rows.ts';

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
        format: { type: 'string', default: 'table', choices: ROW_FORMATS, describe: 'table for people, json (one object a line) or csv for tools' },
      })
      .example('orderflow query "SELECT order_status, count(*) FROM raw.orders_current GROUP BY 1"', 'orders by status'),
  handler: async ({ sql, database, format }) => {
    if (!sql.trim()) throw new UsageError('query needs a SQL statement, e.g. orderflow query "SELECT count(*) FROM raw.orders"');
    // Loaded here, not at the top: every CLI start would otherwise load this command's libraries.
    const { withDuckDBFile } = await import('../../common/warehouse/duckdb-file.ts');
    const rows = await withDuckDBFile(
      database,
      async (db) => {
        // A SQL error is the statement's failure, not a flag's: exit 1 (bad flags exit 2).
        const statements = await db.extractStatements(sql).catch((error: Error) => {
          throw new OperationalError(error.message);
        });
        // Only the last result would be shown: the others would run unseen.
        if (statements.count !== 1) throw new UsageError(`query runs one statement, got ${statements.count}: run each on its own`);
        try {
          return (await db.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
        } catch (error) {
          throw new OperationalError((error as Error).message);
        }
      },
      { mode: 'read-only' },
    );
    process.stdout.write(renderRows(rows, format));
  },
});
