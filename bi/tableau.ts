import { XMLBuilder } from 'fast-xml-parser';
import type { ColumnKind, MartColumn, MartTable } from './mart-schema.ts';

/** The project the generated data sources name until someone sets theirs (`orderflow bi tableau --project`). */
export const PLACEHOLDER_PROJECT = 'your-gcp-project';

/** Tableau's datatype and the ADO type code its metadata records carry for each column kind. */
const TABLEAU_TYPES: Record<ColumnKind, { datatype: string; remoteType: number; role: 'dimension' | 'measure'; type: string }> = {
  string: { datatype: 'string', remoteType: 130, role: 'dimension', type: 'nominal' },
  integer: { datatype: 'integer', remoteType: 20, role: 'measure', type: 'quantitative' },
  number: { datatype: 'real', remoteType: 5, role: 'measure', type: 'quantitative' },
  money: { datatype: 'real', remoteType: 131, role: 'measure', type: 'quantitative' },
  date: { datatype: 'date', remoteType: 7, role: 'dimension', type: 'ordinal' },
  timestamp: { datatype: 'datetime', remoteType: 135, role: 'dimension', type: 'ordinal' },
  boolean: { datatype: 'boolean', remoteType: 11, role: 'dimension', type: 'nominal' },
};

/** `customer_unique_id` -> `Customer Unique Id`, Tableau's own style of caption. */
export const caption = (name: string) => name.split('_').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(' ');

/** Identifiers and keys are dimensions even when numeric (order_item_id); counts and money are measures. */
const roleOf = (table: MartTable, c: MartColumn) => (table.key.includes(c.name) || /_id$|^months_since_first$|^orders_per_customer$|rank$/.test(c.name) ? 'dimension' : TABLEAU_TYPES[c.kind].role);

/** The calculated fields of the purchase-date hierarchy: year > quarter > month > purchase date. */
const HIERARCHY_LEVELS = [['year', 'Purchase Year'], ['quarter', 'Purchase Quarter'], ['month', 'Purchase Month']] as const;

const dateColumn = (table: MartTable) => table.columns.find((c) => c.name === 'purchase_date' && c.kind === 'date');

/**
 * A Tableau data source (.tds) for one BigQuery mart table: the connection (project, dataset `mart`),
 * a metadata record and a column per mart column with caption and description, and where the table
 * has purchase_date, a drill path Year > Quarter > Month > Purchase Date.
 */
export function tdsFile(table: MartTable, project: string): string {
  const connectionName = 'bigquery.orderflow';
  const purchase = dateColumn(table);
  const column = (c: MartColumn) => {
    const t = TABLEAU_TYPES[c.kind];
    const role = roleOf(table, c);
    return {
      '@_caption': caption(c.name),
      '@_datatype': t.datatype,
      '@_name': `[${c.name}]`,
      '@_role': role,
      '@_type': role === 'dimension' && t.type === 'quantitative' ? 'ordinal' : t.type,
      ...(c.description ? { desc: { 'formatted-text': { run: c.description } } } : {}),
    };
  };
  const calculations = purchase
    ? HIERARCHY_LEVELS.map(([level, name]) => ({
      '@_caption': name,
      '@_datatype': 'date',
      '@_name': `[purchase_${level}]`,
      '@_role': 'dimension',
      '@_type': 'ordinal',
      calculation: { '@_class': 'tableau', '@_formula': `DATETRUNC('${level}', [purchase_date])` },
    }))
    : [];
  const document = {
    '?xml': { '@_version': '1.0', '@_encoding': 'utf-8' },
    datasource: {
      '@_formatted-name': `orderflow mart.${table.name}`,
      '@_inline': 'true',
      '@_version': '18.1',
      '@_xmlns:user': 'http://www.tableausoftware.com/xml/user',
      connection: {
        '@_class': 'federated',
        'named-connections': {
          'named-connection': {
            '@_caption': 'BigQuery',
            '@_name': connectionName,
            connection: {
              '@_CATALOG': project, '@_EXECCATALOG': project, '@_authentication': 'yes', '@_class': 'bigquery',
              '@_connection-dialect': 'google-sql', '@_project': project, '@_schema': 'mart', '@_server-oauth': '', '@_username': '',
            },
          },
        },
        relation: { '@_connection': connectionName, '@_name': table.name, '@_table': `[mart].[${table.name}]`, '@_type': 'table' },
        'metadata-records': {
          'metadata-record': table.columns.map((c, i) => ({
            '@_class': 'column',
            'remote-name': c.name,
            'remote-type': TABLEAU_TYPES[c.kind].remoteType,
            'local-name': `[${c.name}]`,
            'parent-name': `[${table.name}]`,
            'remote-alias': c.name,
            ordinal: i,
            'local-type': TABLEAU_TYPES[c.kind].datatype,
            'contains-null': 'true',
          })),
        },
      },
      column: [...table.columns.map(column), ...calculations],
      ...(purchase
        ? { 'drill-paths': { 'drill-path': { '@_name': 'Purchase Date', field: [...HIERARCHY_LEVELS.map(([level]) => `[purchase_${level}]`), '[purchase_date]'] } } }
        : {}),
      layout: { '@_dim-ordering': 'alphabetic', '@_measure-ordering': 'alphabetic', '@_show-structure': 'true' },
    },
  };
  const xml = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: true, indentBy: '  ', suppressEmptyNode: true, suppressBooleanAttributes: false }).build(document) as string;
  // What one row is, for the person opening the file (XMLBuilder writes no comment nodes).
  return xml.replace('<datasource ', `<!-- ${table.description.replaceAll('--', '-')} Generated by \`orderflow bi tableau\`: do not edit, regenerate. -->\n<datasource `);
}

/** Every data source, by file name: one per mart table (facts, dimensions, aggregates, KPI views). */
export function tableauDataSources(tables: readonly MartTable[], project = PLACEHOLDER_PROJECT): Record<string, string> {
  return Object.fromEntries(tables.map((t) => [`${t.name}.tds`, tdsFile(t, project)]));
}
