import type { managedwriter } from '@google-cloud/bigquery-storage';

type WriterClient = InstanceType<typeof managedwriter.WriterClient>;
type StreamConnection = Awaited<ReturnType<WriterClient['createStreamConnection']>>;

/**
 * The WriterClient keeps every StreamConnection it ever created in a private list, emptied only by
 * its own close(); there is no public way to drop one. A long-lived worker retires a connection at
 * each idle close (BigQuery ends streams idle for 600 s) or transport error, so without this the
 * list, and each retired connection's state, grows for the life of the process.
 * (@google-cloud/bigquery-storage 5.x: `_connections.connectionList`; the wire test counts it, so a
 * change in the library fails that test rather than leaking silently.)
 */
function connectionList(client: WriterClient): StreamConnection[] | undefined {
  return (client as unknown as { _connections?: { connectionList?: StreamConnection[] } })._connections?.connectionList;
}

/** Removes a closed connection from the client's list so it can be garbage-collected. */
export function releaseConnection(client: WriterClient, stream: StreamConnection): void {
  const list = connectionList(client);
  const index = list?.indexOf(stream) ?? -1;
  if (index >= 0) list!.splice(index, 1);
}

/** Connections the client still holds (open or retired but not released). */
export function heldConnections(client: WriterClient): number {
  return connectionList(client)?.length ?? 0;
}
