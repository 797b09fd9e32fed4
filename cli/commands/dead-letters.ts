import { hostname, userInfo } from 'node:os';
import type { Argv } from 'yargs';
import { defineCommand } from '../command.ts';
import { UsageError } from '../../common/errors.ts';
import { createLogger } from '../../common/logger.ts';
import { DEFAULT_DATABASE, instant, positiveInteger, pubsubName } from '../options.ts';
import { ROW_FORMATS, renderRows } from '../render-rows.ts';
import type { Warehouse } from '../../batch/engines/warehouse.ts';
import type { DeadLetterFilter, DeadLetterRecord } from '../../streaming/dead-letters/store.ts';
import { ENGINES, type Engine } from '../../common/engines.ts';
import { DEAD_LETTER_CODES } from '../../streaming/pipeline/dead-letter.ts';

interface CommonArgs {
  engine: Engine;
  database: string;
  project?: string;
  location?: string;
  lockTimeoutMs: number;
  code?: string[];
  since?: number;
  until?: number;
  messageId?: string[];
  format: string;
}

interface ListArgs extends CommonArgs {
  limit: number;
  payload: boolean;
}

interface ReplayArgs extends CommonArgs {
  all: boolean;
  topic: string;
  dryRun: boolean;
  again: boolean;
  actor?: string;
  maxInFlight: number;
}

const list = (name: string) => (value: unknown) => {
  const values = (Array.isArray(value) ? value : [value])
    .flatMap((v) => String(v).split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  if (values.length === 0) throw new UsageError(`--${name} needs a value`);
  return values;
};

/** Flags both subcommands share: where the dead letters are and which ones. */
const selection = (y: Argv) =>
  y
    .options({
      engine: { choices: ENGINES, default: 'duckdb' as const, describe: 'Warehouse holding raw.dead_letter: the local DuckDB file or BigQuery' },
      database: { type: 'string', default: DEFAULT_DATABASE, describe: 'DuckDB warehouse file (with --engine duckdb)' },
      project: { type: 'string', describe: 'Google Cloud project of the raw dataset (with --engine bigquery; replay: also of the topic)' },
      location: { type: 'string', describe: 'BigQuery location of the datasets, e.g. EU (default: inferred by BigQuery)' },
      'lock-timeout-ms': {
        type: 'number',
        default: 120_000,
        coerce: positiveInteger('lock-timeout-ms'),
        describe: 'How long to wait for the DuckDB file while a worker holds it',
      },
      code: {
        type: 'string',
        array: true,
        coerce: (value: unknown) => {
          const codes = list('code')(value);
          const unknown = codes.find((code) => !(DEAD_LETTER_CODES as readonly string[]).includes(code));
          if (unknown !== undefined) throw new UsageError(`--code ${unknown}: not a dead-letter code; one of ${DEAD_LETTER_CODES.join(', ')}`);
          return codes;
        },
        describe: 'Only these error codes (repeat or comma-separate), e.g. delivery_exhausted, schema, rule:duplicate_order_item_id',
      },
      since: { type: 'string', coerce: instant('since'), describe: 'Only dead letters received at or after this RFC 3339 time' },
      until: { type: 'string', coerce: instant('until'), describe: 'Only dead letters received before this RFC 3339 time' },
      'message-id': { type: 'string', array: true, coerce: list('message-id'), describe: 'Only these Pub/Sub message ids (repeat or comma-separate)' },
      format: { type: 'string', default: 'table', choices: ROW_FORMATS, describe: 'table for people, json (one object a line) or csv for tools' },
    })
    .check((args) => {
      if (args.engine === 'bigquery' && !args.project) throw new UsageError('--engine bigquery needs --project');
      if (args.since !== undefined && args.until !== undefined && args.since >= args.until) throw new UsageError('--since must be before --until');
      return true;
    });

const filterOf = (args: CommonArgs): DeadLetterFilter => ({
  ...(args.code ? { codes: args.code } : {}),
  ...(args.messageId ? { messageIds: args.messageId } : {}),
  ...(args.since !== undefined ? { since: new Date(args.since) } : {}),
  ...(args.until !== undefined ? { until: new Date(args.until) } : {}),
});

/** The warehouse of the flags, with its tables ensured on DuckDB (a fresh file has none until a worker writes). */
async function onWarehouse<T>(args: CommonArgs, work: (warehouse: Warehouse) => Promise<T>): Promise<T> {
  const { withWarehouse } = await import('../../batch/engines/open-warehouse.ts');
  return withWarehouse(args, async (warehouse) => {
    if (warehouse.target.engine === 'duckdb') await warehouse.prepare();
    return work(warehouse);
  });
}

/** What a listing shows in a table (one line a dead letter); JSON and CSV show every column. */
function shown(record: DeadLetterRecord, format: string, payload: boolean): Record<string, unknown> {
  if (format !== 'table') return { ...record };
  return {
    message_id: record.message_id,
    received_at: record.received_at,
    error_code: record.error_code,
    event_id: record.event_id,
    reason: record.errors[0]?.message ?? null,
    source: record.source_subscription === null ? null : `${record.source_subscription} x${record.source_delivery_count}`,
    replays: record.replays,
    ...(payload ? { payload: record.payload ?? (record.payload_base64 === null ? null : `base64:${record.payload_base64}`) } : {}),
  };
}

const listCommand = defineCommand<ListArgs>({
  command: 'list',
  describe: 'List dead letters (raw.dead_letter) by error code, time received and message id, oldest first',
  builder: (y) =>
    selection(y)
      .options({
        limit: { type: 'number', default: 1000, coerce: positiveInteger('limit'), describe: 'At most this many' },
        payload: { type: 'boolean', default: false, describe: 'Show the payload in the table format (json and csv always have it)' },
      })
      .example('orderflow dead-letters list --code delivery_exhausted', 'what Pub/Sub gave up on, from the dead-letter topic')
      .example('orderflow dead-letters list --since 2026-11-20T00:00:00Z --format json', 'every column, one JSON object a line')
      .example('orderflow dead-letters list --engine bigquery --project my-project --code schema --format csv', 'on BigQuery'),
  handler: async (args) => {
    const { selectDeadLetters } = await import('../../streaming/dead-letters/store.ts');
    const records = await onWarehouse(args, (warehouse) => selectDeadLetters(warehouse, { ...filterOf(args), limit: args.limit }));
    process.stdout.write(
      renderRows(
        records.map((record) => shown(record, args.format, args.payload)),
        args.format,
      ),
    );
  },
});

const replayCommand = defineCommand<ReplayArgs>({
  command: 'replay',
  describe: 'Re-publish selected dead letters (original bytes, attributes, ordering key) to the main topic after a fix, recording each replay',
  builder: (y) =>
    selection(y)
      .options({
        all: {
          type: 'boolean',
          default: false,
          describe: 'Replay every dead letter (required when no --code, --since, --until or --message-id narrows the selection)',
        },
        topic: { type: 'string', default: 'orders', coerce: pubsubName('topic'), describe: 'Topic to re-publish to' },
        'dry-run': { type: 'boolean', default: false, describe: 'List what would be replayed; publish and record nothing' },
        again: {
          type: 'boolean',
          default: false,
          describe: 'Also replay dead letters replayed before (by default raw.dead_letter_replays makes a second run a no-op)',
        },
        actor: { type: 'string', describe: 'Who replays, recorded with each replay (default: user@host)' },
        'max-in-flight': { type: 'number', default: 1000, coerce: positiveInteger('max-in-flight'), describe: 'Publishes awaiting Pub/Sub at most' },
      })
      .check((args) => {
        const narrowed = args.code || args.since !== undefined || args.until !== undefined || args['message-id'];
        if (!narrowed && !args.all) throw new UsageError('name what to replay: --code, --since, --until, --message-id, or --all');
        return true;
      })
      .example('orderflow dead-letters replay --code delivery_exhausted --dry-run', 'what would go back to the topic')
      .example('PUBSUB_EMULATOR_HOST=127.0.0.1:8085 orderflow dead-letters replay --code rule:duplicate_order_item_id', 're-publish after a fix of that rule')
      .example('orderflow dead-letters replay --engine bigquery --project my-project --message-id 1234567890', 'one message on Google Cloud'),
  handler: async (args) => {
    const { replayDeadLetters } = await import('../../streaming/dead-letters/replay.ts');
    const logger = createLogger({ base: { component: 'dead-letters' } });
    const projectId = args.project ?? process.env.GOOGLE_CLOUD_PROJECT ?? 'orderflow-local';
    const actor = args.actor ?? `${userInfo().username}@${hostname()}`;
    const { summary, selected } = await onWarehouse(args, (warehouse) =>
      replayDeadLetters(warehouse, filterOf(args), {
        projectId,
        topic: args.topic,
        dryRun: args.dryRun,
        again: args.again,
        actor,
        maxInFlight: args.maxInFlight,
        logger,
      }),
    );
    // A dry run shows what it would publish, in the format asked for; every run ends with its summary.
    if (args.dryRun)
      process.stdout.write(
        renderRows(
          selected.map((record) => shown(record, args.format, false)),
          args.format,
        ),
      );
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    if (summary.failed > 0) {
      process.stderr.write(
        `orderflow: ${summary.failed} of ${summary.selected} dead letters were not re-published (see the log lines above); a rerun retries only those\n`,
      );
      process.exitCode = 1;
    }
  },
});

export const deadLettersCommand = defineCommand<object>({
  command: 'dead-letters',
  describe: 'List and replay the dead letters of raw.dead_letter (the table; what reached the dead-letter topic is drained into it by workers)',
  builder: (y) => y.command(listCommand).command(replayCommand).demandCommand(1, 'name a dead-letters command: list or replay'),
  handler: () => undefined,
});
