/** The warehouses orderflow writes and reads: the local DuckDB file, or BigQuery. Dependency-free, for flag definitions. */
export const ENGINES = ['duckdb', 'bigquery'] as const;
export type Engine = (typeof ENGINES)[number];
