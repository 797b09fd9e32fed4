import { defineCommand } from '../command.ts';
import { DEFAULT_DATABASE, port, positiveInteger } from '../options.ts';

interface Args {
  dashboardPort: number;
  database: string;
  refresh: number;
}

/** The dashboard's port unless --dashboard-port says otherwise (as in `up`; the worker's --port is another). */
export const DEFAULT_DASHBOARD_PORT = 8090;

export const dashboardCommand = defineCommand<Args>({
  command: 'dashboard',
  describe: 'Serve the local KPI dashboard (charts of the DuckDB mart and the pipeline) until Ctrl-C',
  builder: (y) =>
    y
      .options({
        'dashboard-port': {
          type: 'number',
          default: DEFAULT_DASHBOARD_PORT,
          coerce: port('dashboard-port'),
          describe: 'HTTP port on 127.0.0.1 (0 picks a free one)',
        },
        database: { type: 'string', default: DEFAULT_DATABASE, describe: 'DuckDB warehouse file (read-only, in short turns: workers keep writing)' },
        refresh: { type: 'number', default: 10, coerce: positiveInteger('refresh'), describe: "Seconds between the page's reloads of its figures" },
      })
      .example('orderflow dashboard', `open http://127.0.0.1:${DEFAULT_DASHBOARD_PORT}/`),
  handler: async (args) => {
    const [{ startDashboard }, { requireWarehouse }] = await Promise.all([
      import('../../dashboard/server.ts'),
      import('../../common/warehouse/duckdb-file.ts'),
    ]);
    // A mistyped --database would serve a page of "no warehouse" for ever.
    await requireWarehouse(args.database);
    const dashboard = await startDashboard({ database: args.database, port: args.dashboardPort, refreshSeconds: args.refresh });
    process.stdout.write(`dashboard: ${dashboard.url} (warehouse ${args.database}; Ctrl-C to stop)\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve).once('SIGTERM', resolve);
    });
    await dashboard.close();
  },
});
