import { UsageError } from '../../../common/errors.ts';
import { loadRawTables } from '../../../common/table-schemas.ts';

/** Where the raw tables live in BigQuery. */
export interface RawDataset {
  projectId: string;
  dataset: string;
}

/** Checks where the raw tables live (project, dataset defaulting to the manifest's `raw`); bad values give one UsageError line. */
export function resolveRawDataset(options: { projectId: string; dataset?: string }, who: string): RawDataset {
  const dataset = options.dataset ?? loadRawTables()[0]!.dataset;
  // Project ids: lowercase letters, digits, hyphens; legacy domain-scoped ones add "example.com:".
  if (!/^(?:[a-z][a-z0-9.-]*[a-z0-9]:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(options.projectId ?? '')) {
    throw new UsageError(`${who}: project id ${JSON.stringify(options.projectId ?? '')} is not a Google Cloud project id`);
  }
  if (!/^\w{1,1024}$/.test(dataset)) throw new UsageError(`${who}: dataset ${JSON.stringify(dataset)} must be letters, digits and underscores`);
  return { projectId: options.projectId, dataset };
}
