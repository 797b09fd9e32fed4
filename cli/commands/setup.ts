import { defineCommand } from '../command.ts';
import { createLogger } from '../../common/logger.ts';
import { BIGQUERY_DEFAULT_LOCATION } from '../../streaming/sinks/engines.ts';
import { ENGINES, type Engine } from '../../common/engines.ts';
import { setupWarehouse } from '../../setup/warehouse.ts';
import { integer, oneOf, positiveInteger, warehouseOptions, pubsubName } from '../options.ts';
import { UsageError } from '../../common/errors.ts';

interface Args {
  engine: Engine;
  database: string;
  project: string;
  lockTimeoutMs: number;
  pubsub: boolean;
  topic: string;
  subscription: string;
  deadLetterTopic: string;
  deadLetterSubscription: string;
  maxDeliveryAttempts: number;
  minBackoff: number;
  maxBackoff: number;
  ackDeadline: number;
  location: string;
  pushEndpoint?: string;
  pushAudience?: string;
  pushServiceAccount?: string;
}

export const setupCommand = defineCommand<Args>({
  command: 'setup',
  describe: 'Create the Pub/Sub topic and subscription (with dead-letter topic and retry policy) and the raw tables and *_current views',
  builder: (y) =>
    y
      .options({
        engine: {
          type: 'string',
          default: 'duckdb',
          coerce: oneOf('engine', ENGINES),
          describe: `Warehouse to create the tables and views in: ${ENGINES.join(' or ')}`,
        },
        ...warehouseOptions,
        location: {
          type: 'string',
          default: BIGQUERY_DEFAULT_LOCATION,
          describe:
            "BigQuery: location of the raw dataset when setup creates it (as Terraform's bigquery_location default). A dataset Terraform manages is refused: use terraform apply",
        },
        pubsub: {
          type: 'boolean',
          default: Boolean(process.env.PUBSUB_EMULATOR_HOST || process.env.GOOGLE_CLOUD_PROJECT),
          describe: 'Create the Pub/Sub resources (default: when $PUBSUB_EMULATOR_HOST or $GOOGLE_CLOUD_PROJECT is set)',
        },
        topic: { type: 'string', default: 'orders', coerce: pubsubName('topic'), describe: 'Topic the generator publishes to' },
        subscription: { type: 'string', default: 'orders-worker', coerce: pubsubName('subscription'), describe: "The worker's subscription" },
        'dead-letter-topic': {
          type: 'string',
          default: 'orders-dead-letter',
          coerce: pubsubName('dead-letter-topic'),
          describe: 'Where Pub/Sub moves messages after --max-delivery-attempts',
        },
        'dead-letter-subscription': {
          type: 'string',
          coerce: pubsubName('dead-letter-subscription'),
          default: 'orders-dead-letter',
          describe: "The dead-letter topic's subscription, which workers drain into raw.dead_letter (worker --dead-letter-subscription)",
        },
        'max-delivery-attempts': {
          type: 'number',
          default: 10,
          coerce: positiveInteger('max-delivery-attempts'),
          describe: 'Deliveries before a message goes to the dead-letter topic (5-100)',
        },
        'min-backoff': {
          type: 'number',
          default: 10,
          coerce: integer('min-backoff'),
          describe: 'Retry policy: minimum seconds before a nacked message comes back (0-600)',
        },
        'max-backoff': {
          type: 'number',
          default: 600,
          coerce: integer('max-backoff'),
          describe: 'Retry policy: maximum seconds before a nacked message comes back (0-600)',
        },
        'ack-deadline': {
          type: 'number',
          default: 60,
          coerce: positiveInteger('ack-deadline'),
          describe: 'Subscription ack deadline in seconds (10-600 on Pub/Sub)',
        },
        'push-endpoint': {
          type: 'string',
          describe: 'Make the subscription a push subscription delivering to this URL (a push-mode worker); default: a pull subscription',
        },
        'push-audience': { type: 'string', describe: 'Push: attach an OIDC token for this audience to every push request (needs --push-service-account)' },
        'push-service-account': { type: 'string', describe: 'Push: the service account email the OIDC token is issued for' },
      })
      .check((args) => {
        const deadline = args['ack-deadline'];
        if (deadline < 10 || deadline > 600) throw new UsageError(`--ack-deadline must be from 10 to 600 seconds, got ${deadline}`);
        const attempts = args['max-delivery-attempts'];
        if (attempts < 5 || attempts > 100) throw new UsageError(`--max-delivery-attempts must be from 5 to 100, got ${attempts}`);
        const [min, max] = [args['min-backoff'], args['max-backoff']];
        if (min < 0 || max > 600 || min > max)
          throw new UsageError(`--min-backoff and --max-backoff must satisfy 0 <= min <= max <= 600, got ${min} and ${max}`);
        if ((args['push-audience'] !== undefined || args['push-service-account'] !== undefined) && args['push-endpoint'] === undefined)
          throw new UsageError('--push-audience and --push-service-account only apply with --push-endpoint');
        if ((args['push-audience'] === undefined) !== (args['push-service-account'] === undefined))
          throw new UsageError('--push-audience and --push-service-account go together');
        if (args['push-endpoint'] !== undefined && !/^https?:\/\/./.test(args['push-endpoint']))
          throw new UsageError(`--push-endpoint must be an http(s) URL, got ${args['push-endpoint']}`);
        return true;
      })
      .example('PUBSUB_EMULATOR_HOST=127.0.0.1:8085 orderflow setup', 'topic, subscription and ./data/warehouse.duckdb for a local run')
      .example('orderflow setup --engine bigquery --project my-project', 'the same in a project the Terraform module does not manage'),
  handler: async (args) => {
    // Loaded here, not at the top: every CLI start would otherwise load this command's libraries.
    const { setupPubSub } = await import('../../setup/pubsub.ts');
    const logger = createLogger({ base: { component: 'setup' } });
    // Pub/Sub answers first, then the warehouse, then the Pub/Sub changes: either one unreachable
    // or refused stops before anything is created on the other.
    const warehouse = async () => {
      await setupWarehouse({
        engine: args.engine,
        database: args.database,
        lockTimeoutMs: args.lockTimeoutMs,
        projectId: args.project,
        location: args.location,
      });
      logger.info({ engine: args.engine, ...(args.engine === 'duckdb' ? { database: args.database } : {}) }, 'warehouse ready');
    };
    if (args.pubsub) {
      const report = await setupPubSub({
        beforeChanges: warehouse,
        projectId: args.project,
        topic: args.topic,
        subscription: args.subscription,
        deadLetterTopic: args.deadLetterTopic,
        deadLetterSubscription: args.deadLetterSubscription,
        maxDeliveryAttempts: args.maxDeliveryAttempts,
        minBackoffSeconds: args.minBackoff,
        maxBackoffSeconds: args.maxBackoff,
        ackDeadlineSeconds: args.ackDeadline,
        ...(args.pushEndpoint
          ? {
              push: {
                endpoint: args.pushEndpoint,
                ...(args.pushAudience && args.pushServiceAccount
                  ? { oidc: { audience: args.pushAudience, serviceAccountEmail: args.pushServiceAccount } }
                  : {}),
              },
            }
          : {}),
      });
      logger.info({ project: args.project, ...report }, 'pubsub ready');
    } else {
      await warehouse();
      logger.info('pubsub skipped: set PUBSUB_EMULATOR_HOST or GOOGLE_CLOUD_PROJECT, or pass --pubsub');
    }
  },
});
