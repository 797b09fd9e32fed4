import { OperationalError } from '../../common/errors.ts';
import type { ObjectStore } from '../../common/object-store.ts';
import { SNAPSHOT_FILES } from '../../common/dims-files.ts';

/**
 * The Kaggle files (`olistbr/brazilian-ecommerce`) that make the order history, with the columns the
 * importer reads. Names are the dataset's own; the dims files are schemas/dims.json's (common/dims-files.ts).
 */
export const HISTORY_FILES = {
  orders: {
    file: 'olist_orders_dataset.csv',
    columns: [
      'order_id',
      'customer_id',
      'order_status',
      'order_purchase_timestamp',
      'order_approved_at',
      'order_delivered_carrier_date',
      'order_delivered_customer_date',
      'order_estimated_delivery_date',
    ],
  },
  items: {
    file: 'olist_order_items_dataset.csv',
    columns: ['order_id', 'order_item_id', 'product_id', 'seller_id', 'shipping_limit_date', 'price', 'freight_value'],
  },
  payments: {
    file: 'olist_order_payments_dataset.csv',
    columns: ['order_id', 'payment_sequential', 'payment_type', 'payment_installments', 'payment_value'],
  },
  customers: {
    file: 'olist_customers_dataset.csv',
    columns: ['customer_id', 'customer_unique_id', 'customer_zip_code_prefix', 'customer_city', 'customer_state'],
  },
} as const;

export type HistoryFile = keyof typeof HISTORY_FILES;

/** A row of one file: its columns by name, the text as in the file (csv-parse unquotes). */
export type Row<F extends HistoryFile> = Record<(typeof HISTORY_FILES)[F]['columns'][number], string>;

/**
 * Every file an Olist import reads: the history files, and with `dims` the dims snapshot's too
 * (common/dims-files.ts). The Kaggle names, each once (customers is in both).
 */
export function olistFiles(dims: boolean): string[] {
  const history = Object.values(HISTORY_FILES).map((f) => f.file);
  return [...new Set([...history, ...(dims ? Object.values(SNAPSHOT_FILES).map((f) => f.file) : [])])];
}

/**
 * Checks that the folder has every file the import reads (`olistFiles`), before anything starts.
 * @throws OperationalError one line naming the folder and the missing files.
 */
export async function checkOlistFolder(source: ObjectStore, folder: string, dims: boolean): Promise<void> {
  const files = olistFiles(dims);
  const found = await Promise.all(files.map((file) => source.exists(file)));
  const missing = files.filter((_, i) => !found[i]);
  if (missing.length === 0) return;
  throw new OperationalError(
    `${folder} is not an unzipped Kaggle Olist folder (olistbr/brazilian-ecommerce): missing ${missing.join(', ')}${missing.length === files.length ? ' (every file)' : ''}`,
  );
}
