import { defineCommand } from '../command.ts';
import { DEFAULT_DIMS, catalogOptions } from '../options.ts';

interface Args {
  dims: string;
  seed: number;
  customers: number;
  products: number;
  sellers: number;
}

export const snapshotCommand = defineCommand<Args>({
  command: 'snapshot',
  describe: 'Write the dims snapshot (customers, products, sellers, category translation) as Olist CSVs',
  builder: (y) =>
    y
      .options({
        dims: {
          type: 'string',
          default: DEFAULT_DIMS,
          describe: 'Where the snapshot goes: a directory or gs://bucket/prefix (the place `batch run --dims` reads)',
        },
        ...catalogOptions,
      })
      .example('orderflow snapshot', 'CSV files of the default catalog (seed 1) in ./data/dims, where batch run reads them')
      .example('orderflow snapshot --dims gs://my-bucket/dims/2026-11-20 --seed 7', 'to GCS, matching `generate --seed 7`'),
  handler: async (args) => {
    // Loaded here, not at the top: every CLI start would otherwise load this command's libraries.
    const { openObjectStore } = await import('../../common/object-store.ts');
    const { Catalog } = await import('../../generator/catalog.ts');
    const { writeSnapshot } = await import('../../generator/snapshot.ts');
    const store = openObjectStore(args.dims);
    const catalog = new Catalog(args.seed, { customers: args.customers, products: args.products, sellers: args.sellers });
    await writeSnapshot(catalog, store, (location, rows) => process.stderr.write(`wrote ${location} (${rows} rows)\n`));
  },
});
