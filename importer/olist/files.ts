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
