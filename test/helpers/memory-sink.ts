import { emptyRawRows, type RawRows } from '../../streaming/rows.ts';
import type { RawTable, RowSink, WriteResult } from '../../streaming/sinks/sink.ts';

/** Keeps written rows in memory: the sink of unit tests (wrap it in FaultySink to inject failures). */
export class MemorySink implements RowSink {
  readonly tables: RawRows = emptyRawRows();
  writes = 0;

  async write(batch: RawRows): Promise<WriteResult> {
    this.writes += 1;
    for (const table of Object.keys(this.tables) as RawTable[]) this.tables[table].push(...batch[table]);
    return { rejected: [] };
  }

  async close(): Promise<void> {}
}
