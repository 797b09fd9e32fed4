import { BigQuery, type BigQueryOptions } from '@google-cloud/bigquery';
import { loadRawTables, type TableSpec } from '../../../common/table-schemas.ts';
import { CURRENT_VIEWS, currentViewSql } from '../../../common/warehouse/views.ts';
import { resolveTarget } from './target.ts';

/** BigQuery REST resources, as tables.insert / datasets.insert take them (only the fields setup sets). */
export interface DatasetResource {
  location: string;
  description: string;
}
export interface TableResource {
  description: string;
  schema: { fields: TableSpec['fields'] };
  timePartitioning: { type: TableSpec['partition']['type']; field: string };
  clustering: { fields: string[] };
}
export interface ViewResource {
  description: string;
  view: { query: string; useLegacySql: false };
}

export type Outcome = 'created' | 'exists' | 'updated';

/** The three calls setup makes: the seam its tests replace. Creation is idempotent: an existing resource is not an error. */
export interface BigQueryAdmin {
  createDataset(dataset: string, resource: DatasetResource): Promise<Outcome>;
  createTable(dataset: string, table: string, resource: TableResource): Promise<Outcome>;
  /** Creates the view, or replaces its query if it exists (so a changed view definition is applied). */
  putView(dataset: string, view: string, resource: ViewResource): Promise<Outcome>;
}

export interface SetupBigQueryOptions {
  projectId: string;
  /** Dataset of the raw tables and views. Default: the manifest's (`raw`). */
  dataset?: string;
  /** Where the dataset is created if missing (ignored when it exists). Default `US`. */
  location?: string;
  /** Default: @google-cloud/bigquery with Application Default Credentials. */
  admin?: BigQueryAdmin;
}

export interface SetupStep {
  kind: 'dataset' | 'table' | 'view';
  name: string;
  outcome: Outcome;
}

/**
 * Creates the raw dataset, the raw tables of the manifest (the worker's four and
 * dead_letter_replays; columns exactly as in schemas/raw/*.json, time
 * partitioning and clustering from schemas/tables.json) and the three *_current views. Safe to re-run.
 */
export async function setupBigQuery(options: SetupBigQueryOptions): Promise<SetupStep[]> {
  const { dataset } = resolveTarget(options, 'BigQuery setup');
  const tables = loadRawTables();
  const admin = options.admin ?? bigQueryAdmin({ projectId: options.projectId });
  const steps: SetupStep[] = [];

  const location = options.location ?? 'US';
  steps.push({ kind: 'dataset', name: dataset, outcome: await admin.createDataset(dataset, { location, description: 'orderflow raw events: append-only tables written by the streaming worker, and *_current views.' }) });
  // Tables before views: a view over a missing table is refused.
  for (const table of tables) {
    steps.push({ kind: 'table', name: `${dataset}.${table.name}`, outcome: await admin.createTable(dataset, table.name, tableResource(table)) });
  }
  for (const view of CURRENT_VIEWS) {
    const resource: ViewResource = {
      description: `Latest event per key of ${view.replace(/_current$/, '')} (latest event_time, then publish_time, then event_id).`,
      view: { query: currentViewSql(view, { engine: 'bigquery', project: options.projectId, dataset }), useLegacySql: false },
    };
    steps.push({ kind: 'view', name: `${dataset}.${view}`, outcome: await admin.putView(dataset, view, resource) });
  }
  return steps;
}

export function tableResource(table: TableSpec): TableResource {
  return {
    description: table.description,
    schema: { fields: table.fields },
    timePartitioning: { type: table.partition.type, field: table.partition.field },
    clustering: { fields: table.cluster },
  };
}

const isConflict = (error: unknown) => typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 409;

async function createOrExists(create: () => Promise<unknown>): Promise<Outcome> {
  try {
    await create();
    return 'created';
  } catch (error) {
    if (isConflict(error)) return 'exists';
    throw error;
  }
}

/** The BigQueryAdmin over @google-cloud/bigquery (409 Already Exists is how "create if missing" is answered). */
export function bigQueryAdmin(options: BigQueryOptions): BigQueryAdmin {
  const client = new BigQuery(options);
  return {
    createDataset: (dataset, resource) => createOrExists(() => client.createDataset(dataset, resource)),
    createTable: (dataset, table, resource) => createOrExists(() => client.dataset(dataset).createTable(table, resource)),
    async putView(dataset, view, resource) {
      const outcome = await createOrExists(() => client.dataset(dataset).createTable(view, resource));
      if (outcome === 'created') return outcome;
      await client.dataset(dataset).table(view).setMetadata(resource);
      return 'updated';
    },
  };
}
