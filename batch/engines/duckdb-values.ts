/** The batch job's query parameters (params.ts) as @duckdb/node-api binds them: named values with explicit types. */
import { BIGINT, DATE, DuckDBDateValue, TIMESTAMP, VARCHAR, timestampValue, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import { naiveUtcMicros, type QueryParam, type QueryParams } from '../params.ts';

const DUCKDB_TYPES: Record<QueryParam['type'], DuckDBType> = { STRING: VARCHAR, INT64: BIGINT, TIMESTAMP: TIMESTAMP, DATE: DATE };

/** Named values for @duckdb/node-api, each with its type: a TIMESTAMP binds as TIMESTAMP (naive UTC), not TIMESTAMPTZ. */
export function duckdbValues(params: QueryParams | undefined): { values: Record<string, DuckDBValue>; types: Record<string, DuckDBType> } | undefined {
  if (!params) return undefined;
  const values: Record<string, DuckDBValue> = {};
  const types: Record<string, DuckDBType> = {};
  for (const [name, param] of Object.entries(params)) {
    types[name] = DUCKDB_TYPES[param.type];
    if (param.type === 'TIMESTAMP') values[name] = timestampValue(naiveUtcMicros(param.value));
    else if (param.type === 'DATE') values[name] = new DuckDBDateValue(Date.parse(`${param.value}T00:00:00Z`) / 86_400_000);
    else values[name] = param.value;
  }
  return { values, types };
}
