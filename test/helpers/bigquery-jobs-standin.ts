import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BigQuery } from '@google-cloud/bigquery';
import { OAuth2Client } from 'google-auth-library';

/** The query configuration of one jobs.insert request, as the client sent it. */
export interface QueryJobRequest {
  query: string;
  parameterMode?: string;
  queryParameters?: { name: string; parameterType: { type: string }; parameterValue: { value: unknown } }[];
}

/**
 * The slice of the BigQuery REST API that @google-cloud/bigquery uses for a query job, on
 * 127.0.0.1: jobs.insert (recorded, answered DONE) and jobs.getQueryResults (answered with no
 * rows). What a test reads is the request body the real client put on the wire.
 */
export async function startBigQueryJobsStandIn() {
  const requests: QueryJobRequest[] = [];
  const server: Server = createServer((request, response) => {
    void readBody(request).then((body) => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const json = (status: number, value: unknown) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      const insert = /^\/bigquery\/v2\/projects\/([^/]+)\/jobs$/.exec(url.pathname);
      if (request.method === 'POST' && insert) {
        const job = JSON.parse(body) as { configuration: { query: QueryJobRequest }; jobReference: { jobId: string } };
        requests.push(job.configuration.query);
        json(200, { jobReference: { projectId: insert[1], jobId: job.jobReference.jobId, location: 'US' }, status: { state: 'DONE' } });
        return;
      }
      if (request.method === 'GET' && /^\/bigquery\/v2\/projects\/[^/]+\/queries\/[^/]+$/.test(url.pathname)) {
        json(200, { kind: 'bigquery#getQueryResultsResponse', jobComplete: true, schema: { fields: [] }, totalRows: '0' });
        return;
      }
      json(404, { error: { code: 404, message: `${request.method} ${url.pathname}` } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  // A fixed access token: the client signs its requests without looking for credentials.
  const auth = new OAuth2Client();
  auth.setCredentials({ access_token: 'offline', expiry_date: Date.now() + 3_600_000 });
  return {
    requests,
    /** A real BigQuery client whose API is this stand-in. */
    client: (projectId: string) => new BigQuery({ projectId, apiEndpoint: `http://127.0.0.1:${port}`, authClient: auth }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const readBody = async (request: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};
