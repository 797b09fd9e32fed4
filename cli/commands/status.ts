import { OperationalError, UsageError } from '../../common/errors.ts';
import { defineCommand } from '../command.ts';
import { DEFAULT_DATABASE, positiveNumber, pubsubName } from '../options.ts';
import { ENGINES, type Engine } from '../../common/engines.ts';

interface Args {
  engine: Engine;
  dataDir: string;
  worker?: string[];
  database?: string;
  project?: string;
  location?: string;
  subscription: string;
  service: string;
  sampleSeconds: number;
  format: 'table' | 'json';
}

export const statusCommand = defineCommand<Args>({
  command: 'status',
  describe: "Backlog and oldest unacked age, each worker's rates, dead letters by code and the last WAP runs: of a local stack, or of a Google Cloud project",
  builder: (y) =>
    y
      .options({
        engine: {
          choices: ENGINES,
          default: 'duckdb' as const,
          describe: 'duckdb: a local stack (its emulator, workers and DuckDB file); bigquery: a Google Cloud project (Cloud Monitoring and BigQuery)',
        },
        'data-dir': {
          type: 'string',
          default: './data',
          describe: "A running `orderflow up`'s data directory: its emulator, workers and warehouse are found there",
        },
        worker: {
          type: 'string',
          array: true,
          coerce: (values: string[]) =>
            values.map((url) => {
              if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol))
                throw new UsageError(`--worker must be a URL such as http://127.0.0.1:8080, got ${url}`);
              return url;
            }),
          describe: "A worker's base URL, e.g. http://127.0.0.1:8080 (repeat for each; default: the running up's)",
        },
        database: { type: 'string', describe: `DuckDB warehouse file (default: the running up's, else ${DEFAULT_DATABASE})` },
        project: {
          type: 'string',
          default: process.env.GOOGLE_CLOUD_PROJECT,
          describe: 'Google Cloud project (with --engine bigquery; default: $GOOGLE_CLOUD_PROJECT)',
        },
        location: { type: 'string', describe: 'BigQuery location of the datasets, e.g. EU (default: inferred by BigQuery)' },
        subscription: {
          type: 'string',
          default: 'orders-worker',
          coerce: pubsubName('subscription'),
          describe: "The workers' subscription (with --engine bigquery)",
        },
        service: { type: 'string', default: 'orderflow-worker', describe: "The workers' Cloud Run service (with --engine bigquery)" },
        'sample-seconds': {
          type: 'number',
          default: 1,
          coerce: positiveNumber('sample-seconds'),
          describe: "Rates are the change in each worker's counters over this many seconds",
        },
        format: { type: 'string', default: 'table', choices: ['table', 'json'], describe: 'table for people, json for tools' },
      })
      .check((args) => {
        if (args.engine === 'bigquery' && !args.project) throw new UsageError('--engine bigquery needs --project (or $GOOGLE_CLOUD_PROJECT)');
        if (args.engine === 'bigquery' && args.worker)
          throw new UsageError('--worker is for a local stack: on Google Cloud the workers are read from Cloud Monitoring');
        return true;
      })
      .example('orderflow status', 'while `npm start` runs in another terminal')
      .example(
        'orderflow status --worker http://127.0.0.1:41233 --worker http://127.0.0.1:41234',
        'workers started by hand (their port is in their `worker started` log line)',
      )
      .example(
        'orderflow status --engine bigquery --project my-project',
        'a deployed pipeline (roles/monitoring.viewer and roles/bigquery.dataViewer + jobUser)',
      ),
  handler: async (args) => {
    const status = args.engine === 'bigquery' ? await cloudStatus(args) : await localStatus(args);
    const { formatStatus } = await import('../../status/status.ts');
    process.stdout.write(args.format === 'json' ? `${JSON.stringify(status)}\n` : formatStatus(status));
  },
});

// Loaded in the handlers, not at the top: every CLI start would otherwise load these libraries.
async function localStatus(args: Args) {
  const [{ readStackFile }, { subscriptionFigures, workerStatuses }, { warehouseStatus }, { withDuckDBFile }, { DuckDBWarehouse }] = await Promise.all([
    import('../../local/stack/stack-file.ts'),
    import('../../status/status.ts'),
    import('../../status/warehouse.ts'),
    import('../../common/warehouse/duckdb-file.ts'),
    import('../../batch/engines/duckdb.ts'),
  ]);
  const stack = await readStackFile(args.dataDir);
  const urls = (args.worker ?? stack?.workers ?? []).map((url) => url.replace(/\/+$/, ''));
  const database = args.database ?? stack?.database ?? DEFAULT_DATABASE;
  const [workers, subscription] = await Promise.all([
    workerStatuses(urls, args.sampleSeconds * 1000),
    stack?.pubsubStats
      ? subscriptionFigures(stack.pubsubStats).then(
          (figures) => ({ subscription: figures }),
          (error: Error) => ({ subscriptionNote: `unknown: ${error.message}` }),
        )
      : Promise.resolve({
          subscriptionNote: `unknown: no running orderflow up in ${args.dataDir} with its embedded emulator (for Google Cloud: --engine bigquery --project P)`,
        }),
  ]);
  // After the rate sample: while this reads the file, the DuckDB workers wait to write.
  const warehouse = await withDuckDBFile(database, (connection) => warehouseStatus(new DuckDBWarehouse(connection)), { mode: 'read-only' }).catch(
    (error: Error) => ({ warehouseNote: error.message }),
  );
  return { ...subscription, workers, ...warehouse };
}

async function cloudStatus(args: Args) {
  const [{ MetricServiceClient }, { cloudPipelineFigures }, { warehouseStatus }, { withWarehouse }] = await Promise.all([
    import('@google-cloud/monitoring'),
    import('../../status/cloud-monitoring.ts'),
    import('../../status/warehouse.ts'),
    import('../../batch/engines/open-warehouse.ts'),
  ]);
  const client = new MetricServiceClient({ projectId: args.project! });
  try {
    // Credentials first, in one line: the client's stub would otherwise reject where nothing awaits it.
    await client.auth.getClient().catch((error: Error) => {
      throw new OperationalError(
        `cannot reach Google Cloud for project ${args.project}: ${/credential/i.test(error.message) ? 'no usable Google credentials (gcloud auth application-default login)' : error.message.split('\n')[0]}`,
      );
    });
    const [figures, warehouse] = await Promise.all([
      cloudPipelineFigures(client, { project: args.project!, subscription: args.subscription, service: args.service }).catch((error: Error) => ({
        subscriptionNote: `unknown: Cloud Monitoring: ${error.message.split('\n')[0]}`,
        workers: undefined,
      })),
      withWarehouse({ engine: 'bigquery', database: '', project: args.project!, ...(args.location ? { location: args.location } : {}) }, (w) =>
        warehouseStatus(w),
      ).catch((error: Error) => ({ warehouseNote: `BigQuery: ${error.message.split('\n')[0]}` })),
    ]);
    const { workers: cloudWorkers, ...subscription } = figures;
    return { ...subscription, workers: [], ...(cloudWorkers ? { cloudWorkers } : {}), ...warehouse };
  } finally {
    // Closing a client that never got credentials rejects with the same error the calls reported.
    await client.close().catch(() => undefined);
  }
}
