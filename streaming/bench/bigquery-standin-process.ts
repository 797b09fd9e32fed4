// The Storage Write stand-in of the wire tests (test/helpers/bigquery-write-standin.ts) in a
// process of its own, for bench:bigquery: it decodes every row of every request against the writer
// schema sent with it and keeps none. Prints PORT=<port>; on SIGTERM prints one JSON line
// ({"rows": decoded, "decodeErrors": n}) and exits.
import { BigQueryWriteStandIn } from '../../test/helpers/bigquery-write-standin.ts';

const standIn = await new BigQueryWriteStandIn({ retain: false }).start();
process.stdout.write(`PORT=${standIn.port}\n`);
process.once('SIGTERM', () => {
  void standIn.stop().then(() => {
    process.stdout.write(`${JSON.stringify({ rows: standIn.rowsDecoded, decodeErrors: standIn.decodeErrors.length })}\n`, () => process.exit(0));
  });
});
