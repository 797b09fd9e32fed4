import { defineCommand } from '../command.ts';
import { createLogger } from '../../common/logger.ts';
import { positiveInteger, pubsubName } from '../options.ts';

interface OlistArgs {
  source: string;
  out: string;
  sourceTimeZone: string;
  dims?: string;
  topic: string;
  project: string;
  maxInFlight: number;
  orderingKey: boolean;
}

const olistCommand = defineCommand<OlistArgs>({
  command: 'olist <source>',
  describe: 'Import the Kaggle Olist files (orders, items, payments, customers) as contract events: order_created at purchase, order_updated per stage',
  builder: (y) =>
    y
      .positional('source', { type: 'string', describe: 'The unzipped Kaggle folder, or gs://bucket/prefix holding its CSVs' })
      .options({
        out: { type: 'string', default: 'stdout', describe: 'pubsub, stdout, or a file path (NDJSON)' },
        'source-time-zone': {
          type: 'string',
          default: 'America/Sao_Paulo',
          describe: "IANA time zone of the files' zone-less timestamps (historical DST rules; see docs/import.md for skipped and repeated local times)",
        },
        dims: {
          type: 'string',
          describe:
            'Also copy the dims files (customers, products, sellers, category translation) here as the snapshot `batch run --dims` reads: a directory or gs://bucket/prefix',
        },
        topic: { type: 'string', default: 'orders', coerce: pubsubName('topic'), describe: 'Pub/Sub topic (with --out pubsub)' },
        project: {
          type: 'string',
          default: process.env.GOOGLE_CLOUD_PROJECT ?? 'orderflow-local',
          describe: 'Google Cloud project (default: $GOOGLE_CLOUD_PROJECT or orderflow-local)',
        },
        'max-in-flight': { type: 'number', default: 2000, coerce: positiveInteger('max-in-flight'), describe: 'Publishes awaiting Pub/Sub at most' },
        'ordering-key': {
          type: 'boolean',
          default: false,
          describe:
            "Set order_id as the ordering key (off by default: the client then batches per order, ~4 events a batch, and event_sequence already orders each order's events)",
        },
      })
      .example('orderflow import olist ./olist --out events.ndjson --dims ./data/dims', 'the whole history as NDJSON, and the dims snapshot')
      .example('PUBSUB_EMULATOR_HOST=127.0.0.1:8085 orderflow import olist ./olist --out pubsub', 'publish it to an emulator'),
  handler: async (args) => {
    // Loaded here, not at the top: every CLI start would otherwise load the importer and its clients.
    const [{ openObjectStore }, { runImport }, { copyDims }] = await Promise.all([
      import('../../common/object-store.ts'),
      import('../../importer/olist/run.ts'),
      import('../../importer/olist/dims.ts'),
    ]);
    const logger = createLogger({ base: { component: 'import' } });
    const source = openObjectStore(args.source);
    if (args.dims) {
      const counts = await copyDims(source, openObjectStore(args.dims));
      logger.info({ dims: args.dims, rows: counts }, 'dims snapshot written');
    }
    const result = await runImport({
      source,
      out: args.out,
      sourceTimeZone: args.sourceTimeZone,
      logger,
      pubsub: { projectId: args.project, topic: args.topic, maxInFlight: args.maxInFlight, ordering: args.orderingKey },
    });
    const { report, published, failed, seconds } = result;
    logger.info(
      { ...report, published, failed, seconds: Number(seconds.toFixed(2)), events_per_second: Math.round(published / Math.max(seconds, 0.001)) },
      'import finished',
    );
    if (report.orphanItems.rows || report.orphanPayments.rows) {
      logger.warn(
        { orphan_items: report.orphanItems, orphan_payments: report.orphanPayments },
        'items or payments whose order is not in the orders file were skipped',
      );
    }
    if (failed > 0) process.exitCode = 1;
  },
});

export const importCommand = defineCommand<object>({
  command: 'import',
  describe: "Turn a source system's files into contract events (Pub/Sub or NDJSON)",
  builder: (y) => y.command(olistCommand).demandCommand(1, 'name a source: olist'),
  handler: () => undefined,
});
