import { BigQuery, type BigQueryOptions } from '@google-cloud/bigquery';
import { OperationalError } from '../common/errors.ts';
import { loadRawTables, rawDatasetDescription, type TableSpec } from '../common/table-schemas.ts';
import { CURRENT_VIEWS, currentViewSql } from '../common/warehouse/views.ts';
import { BIGQUERY_DEFAULT_LOCATION } from '../streaming/sinks/engines.ts';
import { resolveRawDataset } from '../streaming/sinks/bigquery/raw-dataset.ts';

/** BigQuery REST resources, as tables.insert / datasets.insert take them (only the fields setup sets). */
export interface DatasetResource {
  location: string;
  description: string;
  labels: Record<string, string>;
}
export interface TableResource {
  description: string;
  labels: Record<string, string>;
  schema: { fields: TableSpec['fields'] };
  timePartitioning: { type: TableSpec['partition']['type']; field: string };
  clustering: { fields: string[] };
}
export interface ViewResource {
  labels: Record<string, string>;
  view: { query: string; useLegacySql: false };
}

/** Labels on what setup creates: Terraform's (terraform/main.tf) but for `managed-by`, which marks Terraform's own. */
export const SETUP_LABELS = { app: 'orderflow' };
/** Terraform's label on everything it manages; setup refuses a dataset that has it. */
export const TERRAFORM_LABEL = ['managed-by', 'terraform'] as const;

export type SetupOutcome = 'created' | 'exists' | 'updated';

/** The calls setup makes: the seam its tests replace. Creation is idempotent: an existing resource is not an error. */
export interface BigQueryAdmin {
  /** The dataset's labels, or undefined when it does not exist. */
  datasetLabels(dataset: string): Promise<Record<string, string> | undefined>;
  createDataset(dataset: string, resource: DatasetResource): Promise<SetupOutcome>;
  createTable(dataset: string, table: string, resource: TableResource): Promise<SetupOutcome>;
  /** Creates the view, or replaces its query if it exists with another one (`exists` when it is the same). */
  putView(dataset: string, view: string, resource: ViewResource): Promise<SetupOutcome>;
}

export interface SetupBigQueryOptions {
  projectId: string;
  /** Dataset of the raw tables and views. Default: the manifest's (`raw`). */
  dataset?: string;
  /** Where the dataset is created if missing (ignored when it exists). Default `EU`, as Terraform's bigquery_location. */
  location?: string;
  /** Default: @google-cloud/bigquery with Application Default Credentials. */
  admin?: BigQueryAdmin;
}

export interface SetupStep {
  kind: 'dataset' | 'table' | 'view';
  name: string;
  outcome: SetupOutcome;
}

/**
 * Creates the raw dataset, the raw tables of the manifest (the worker's four and
 * dead_letter_replays; columns exactly as in schemas/raw/*.json, time
 * partitioning and clustering from schemas/tables.json) and the three *_current views, as the
 * Terraform module declares them (same descriptions, location default, view SQL). Safe to re-run.
 * One owner per resource: a dataset Terraform manages (label managed-by=terraform) is refused with
 * an OperationalError before anything is changed; Terraform applies its own changes.
 */
export async function setupBigQuery(options: SetupBigQueryOptions): Promise<SetupStep[]> {
  const { dataset } = resolveRawDataset(options, 'BigQuery setup');
  const tables = loadRawTables();
  const admin = options.admin ?? bigQueryAdmin({ projectId: options.projectId });
  const steps: SetupStep[] = [];

  const [label, owner] = TERRAFORM_LABEL;
  if ((await admin.datasetLabels(dataset))?.[label] === owner) {
    throw new OperationalError(
      `dataset ${dataset} in project ${options.projectId} is managed by Terraform (label ${label}=${owner}): change it with terraform apply, not orderflow setup`,
    );
  }
  const location = options.location ?? BIGQUERY_DEFAULT_LOCATION;
  steps.push({
    kind: 'dataset',
    name: dataset,
    outcome: await admin.createDataset(dataset, { location, description: rawDatasetDescription(), labels: SETUP_LABELS }),
  });
  // Tables before views: a view over a missing table is refused.
  for (const table of tables) {
    steps.push({ kind: 'table', name: `${dataset}.${table.name}`, outcome: await admin.createTable(dataset, table.name, tableResource(table)) });
  }
  for (const view of CURRENT_VIEWS) {
    const resource: ViewResource = {
      labels: SETUP_LABELS,
      view: { query: currentViewSql(view, { engine: 'bigquery', project: options.projectId, dataset }), useLegacySql: false },
    };
    steps.push({ kind: 'view', name: `${dataset}.${view}`, outcome: await admin.putView(dataset, view, resource) });
  }
  return steps;
}

export function tableResource(table: TableSpec): TableResource {
  return {
    description: table.description,
    labels: SETUP_LABELS,
    schema: { fields: table.fields },
    timePartitioning: { type: table.partition.type, field: table.partition.field },
    clustering: { fields: table.cluster },
  };
}

const isConflict = (error: unknown) => typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 409;

async function createOrExists(create: () => Promise<unknown>): Promise<SetupOutcome> {
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
    async datasetLabels(dataset) {
      try {
        const [metadata] = await client.dataset(dataset).getMetadata();
        return (metadata as { labels?: Record<string, string> }).labels ?? {};
      } catch (error) {
        if ((error as { code?: unknown }).code === 404) return undefined;
        throw error;
      }
    },
    createDataset: (dataset, resource) => createOrExists(() => client.createDataset(dataset, resource)),
    createTable: (dataset, table, resource) => createOrExists(() => client.dataset(dataset).createTable(table, resource)),
    async putView(dataset, view, resource) {
      const outcome = await createOrExists(() => client.dataset(dataset).createTable(view, resource));
      if (outcome === 'created') return outcome;
      const [metadata] = await client.dataset(dataset).table(view).getMetadata();
      if ((metadata as ViewResource).view?.query === resource.view.query) return 'exists';
      await client.dataset(dataset).table(view).setMetadata(resource);
      return 'updated';
    },
  };
}
