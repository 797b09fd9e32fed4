// The DuckDB writer's thread: batches arrive encoded from the worker's event loop, are committed
// here, and each is answered once durable (or with the error that rolled it back).
import { parentPort, workerData } from 'node:worker_threads';
import { DuckDBWriter, isRefusal, type DuckDBWriterOptions } from './duckdb-writer.ts';
import type { WriterReply, WriterRequest } from './duckdb-writer-protocol.ts';

const port = parentPort!;
const writer = new DuckDBWriter(workerData as DuckDBWriterOptions);
const reply = (message: WriterReply) => port.postMessage(message);

port.on('message', (request: WriterRequest) => {
  if (request.kind === 'write') {
    writer.write(request.writes).then(
      () => reply({ kind: 'written', id: request.id }),
      (error: Error) => reply({ kind: 'failed', id: request.id, message: error.message, refused: isRefusal(error) }),
    );
  } else {
    void writer.close().finally(() => {
      reply({ kind: 'closed' });
      port.close();
    });
  }
});
