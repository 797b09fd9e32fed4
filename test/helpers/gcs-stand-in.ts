import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { CRC32C } from '@google-cloud/storage';

export interface StoredObject {
  bucket: string;
  name: string;
  contentType: string;
  body: Buffer;
}

/**
 * The slice of the GCS JSON API that @google-cloud/storage uses for a non-resumable upload
 * (POST /upload/storage/v1/b/:bucket/o?uploadType=multipart, multipart/related body) and for
 * reading an object (GET /storage/v1/b/:bucket/o/:name, metadata or ?alt=media), on 127.0.0.1.
 * Objects pushed onto `objects` can be read back.
 * Point the client at it with STORAGE_EMULATOR_HOST. `failNext` answers 503 that many times first.
 */
export async function startGcsStandIn(options: { failNext?: number } = {}) {
  const objects: StoredObject[] = [];
  let failures = options.failNext ?? 0;
  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: Error) => response.writeHead(500).end(JSON.stringify({ error: { code: 500, message: error.message } })));
  });
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const body = await readBody(request);
    const url = new URL(request.url ?? '/', 'http://localhost');
    const read = /^(?:\/storage\/v1)?\/b\/([^/]+)\/o\/([^/]+)$/.exec(url.pathname);
    if (request.method === 'GET' && read) {
      download(objects, decodeURIComponent(read[1]!), decodeURIComponent(read[2]!), url.searchParams.get('alt') === 'media', response);
      return;
    }
    const match = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    if (request.method !== 'POST' || !match || url.searchParams.get('uploadType') !== 'multipart') {
      response
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { code: 404, message: `${request.method} ${url.pathname}` } }));
      return;
    }
    if (failures > 0) {
      failures -= 1;
      response.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 503, message: 'try again' } }));
      return;
    }
    const boundary = /boundary=([^;]+)/.exec(request.headers['content-type'] ?? '')?.[1]?.replace(/"/g, '');
    const [metaPart, dataPart] = splitMultipart(body, boundary ?? '');
    const meta = JSON.parse(metaPart!.body.toString('utf8')) as { name: string; contentType?: string };
    const object = {
      bucket: decodeURIComponent(match[1]!),
      name: url.searchParams.get('name') ?? meta.name,
      contentType: meta.contentType ?? dataPart!.contentType,
      body: dataPart!.body,
    };
    objects.push(object);
    response.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        kind: 'storage#object',
        bucket: object.bucket,
        name: object.name,
        size: String(object.body.length),
        generation: '1',
        // The client checks the upload against these, as real GCS returns them.
        md5Hash: createHash('md5').update(object.body).digest('base64'),
        crc32c: crc32c(object.body),
      }),
    );
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    objects,
    host: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** An object's metadata, or its bytes with the hashes the client checks the download against. */
function download(objects: StoredObject[], bucket: string, name: string, media: boolean, response: ServerResponse): void {
  const object = objects.findLast((o) => o.bucket === bucket && o.name === name);
  if (!object) {
    response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 404, message: `No such object: ${bucket}/${name}` } }));
    return;
  }
  const md5Hash = createHash('md5').update(object.body).digest('base64');
  if (media) {
    response.writeHead(200, { 'content-type': object.contentType, 'x-goog-hash': `crc32c=${crc32c(object.body)},md5=${md5Hash}` }).end(object.body);
    return;
  }
  response
    .writeHead(200, { 'content-type': 'application/json' })
    .end(JSON.stringify({ kind: 'storage#object', bucket, name, size: String(object.body.length), generation: '1', md5Hash, crc32c: crc32c(object.body) }));
}

const readBody = async (request: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

function splitMultipart(body: Buffer, boundary: string): { contentType: string; body: Buffer }[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: { contentType: string; body: Buffer }[] = [];
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next === -1) break;
    const part = body.subarray(start + delimiter.length + 2, next - 2); // skip CRLF after delimiter and before the next
    const headerEnd = part.indexOf('\r\n\r\n');
    const headers = part.subarray(0, headerEnd).toString('utf8');
    parts.push({ contentType: /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1] ?? '', body: part.subarray(headerEnd + 4) });
    start = next;
  }
  return parts;
}

function crc32c(body: Buffer): string {
  const crc = new CRC32C();
  crc.update(body);
  return crc.toString();
}
