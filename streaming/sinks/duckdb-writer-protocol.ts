import type { EncodedWrite } from './duckdb-writer.ts';

/** What the DuckDB sink asks of its writer thread. */
export type WriterRequest = { kind: 'write'; id: number; writes: EncodedWrite[] } | { kind: 'close' };

/** What the writer thread answers: one reply per write, and one when closed. */
export type WriterReply =
  | { kind: 'written'; id: number }
  | { kind: 'failed'; id: number; message: string; /** the data was refused: retrying cannot help */ refused: boolean }
  | { kind: 'closed' };
