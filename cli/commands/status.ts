import { defineCommand } from '../command.ts';
import { DEFAULT_DATABASE, positiveNumber } from '../options.ts';

interface Args {
  dataDir: string;
  worker?: string[];
  database?: string;
  sampleSeconds: number;
  format: 'table' | 'json';
}

export const statusCommand = defineCommand<Args>({
  command: 'status',
  describe: "Backlog and oldest unacked age, each worker's rates, dead letters by code and the last WAP runs",
  builder: (y) =>
    y
      .options({
        'data-dir': { type: 'string', default: './data', describe: "A running `orderflow up`'s data directory: its emulator, workers and warehouse are found there" },
        worker: { type: 'string', array: true, describe: "A worker's base URL, e.g. http://127.0.0.1:8080 (repeat for each; default: the running up's)" },
        database: { type: 'string', describe: `DuckDB warehouse file (default: the running up's, else ${DEFAULT_DATABASE})` },
        'sample-seconds': { type: 'number', default: 1, coerce: positiveNumber('sample-seconds'), describe: "Rates are the change in each worker's counters over this many seconds" },
        format: { type: 'string', default: 'table', choices: ['table', 'json'], describe: 'table for people, json for tools' },
      })
      .example('orderflow status', 'while `npm start` runs in another terminal')
      .example('orderflow status --worker http://127.0.0.1:41233 --worker http://127.0.0.1:41234', 'workers started by hand (their port is in their `worker started` log line)'),
  handler: async (args) => {
    // Loaded here, not at the top: every CLI start would otherwise load this command's libraries.
    const [{ readStackFile }, { formatStatus, subscriptionFigures, warehouseStatus, workerStatuses }] = await Promise.all([
      import('../../local/stack/stack-file.ts'), import('../../local/status/status.ts'),
    ]);
    const stack = await readStackFile(args.dataDir);
    const urls = (args.worker ?? stack?.workers ?? []).map((url) => url.replace(/\/+$/, ''));
    const database = args.database ?? stack?.database ?? DEFAULT_DATABASE;
    const [workers, subscription] = await Promise.all([
      workerStatuses(urls, args.sampleSeconds * 1000),
      stack?.pubsubStats
        ? subscriptionFigures(stack.pubsubStats).then((figures) => ({ subscription: figures }), (error: Error) => ({ subscriptionNote: `unknown: ${error.message}` }))
        : Promise.resolve({ subscriptionNote: `unknown: no running orderflow up in ${args.dataDir} with its embedded emulator (on Google Cloud: the subscription's num_undelivered_messages and oldest_unacked_message_age in Cloud Monitoring)` }),
    ]);
    // After the rate sample: while this reads the file, the DuckDB workers wait to write.
    const warehouse = await warehouseStatus(database).catch((error: Error) => ({ warehouseNote: error.message }));
    const status = { ...subscription, workers, ...warehouse };
    process.stdout.write(args.format === 'json' ? `${JSON.stringify(status)}\n` : formatStatus(status));
  },
});
