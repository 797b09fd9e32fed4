import { parse } from 'csv-parse';
import { OperationalError } from '../../common/errors.ts';
import type { ObjectStore } from '../../common/object-store.ts';
import { HISTORY_FILES, type HistoryFile, type Row } from './files.ts';

/**
 * The rows of one Kaggle file, streamed (csv-parse): a BOM, quoted and unquoted fields in the same
 * file, CRLF or LF, and empty fields are all read as downloaded. Columns are found by name; extra
 * ones are ignored. A missing file, a missing column or malformed CSV is one OperationalError line.
 */
export async function* readRows<F extends HistoryFile>(store: ObjectStore, file: F): AsyncGenerator<Row<F>> {
  const { file: name, columns } = HISTORY_FILES[file];
  const where = store.describe(name);
  const parser = parse({
    bom: true,
    skip_empty_lines: true,
    columns: (header: string[]) => {
      const missing = columns.filter((column) => !header.includes(column));
      if (missing.length)
        throw new OperationalError(`${where}: missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (header: ${header.join(',')})`);
      return header;
    },
  });
  const input = store.read(name);
  // pipe() does not forward a source's errors (a missing file, a failed download).
  input.once('error', (error: NodeJS.ErrnoException) => parser.destroy(new OperationalError(`cannot read ${where}: ${error.code ?? error.message}`)));
  input.pipe(parser);
  try {
    for await (const row of parser as AsyncIterable<Row<F>>) yield row;
  } catch (error) {
    if (error instanceof OperationalError) throw error;
    throw new OperationalError(`${where}: ${(error as Error).message}`);
  } finally {
    input.destroy();
  }
}
