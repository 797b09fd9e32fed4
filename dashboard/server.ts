import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'csv-stringify/sync';
import { OperationalError } from '../common/errors.ts';
import { readLiveStatus, type LiveStatus } from '../local/stack/live-status.ts';
import { checkFilters, type Filters } from './queries.ts';
import { readDashboard, type DashboardData, type Row } from './reader.ts';

export interface DashboardOptions {
  /** The DuckDB warehouse file; `up`'s live status is read from its directory. */
  database: string;
  /** 0 picks a free port. */
  port: number;
  host?: string;
  /** How often the page reloads its figures (seconds). */
  refreshSeconds?: number;
  /** How long one read waits for its turn on the file before serving the last figures (ms, default 5000). */
  lockTimeoutMs?: number;
}

export interface RunningDashboard {
  url: string;
  close(): Promise<void>;
}

const require = createRequire(import.meta.url);
// Served from node_modules: the page needs no network.
const ASSETS: Record<string, { path: string; type: string }> = {
  '/': { path: fileURLToPath(new URL('./page/index.html', import.meta.url)), type: 'text/html; charset=utf-8' },
  '/app.js': { path: fileURLToPath(new URL('./page/app.js', import.meta.url)), type: 'text/javascript; charset=utf-8' },
  '/vendor/echarts.min.js': { path: require.resolve('echarts/dist/echarts.min.js'), type: 'text/javascript; charset=utf-8' },
};

/** Reads shared by requests that arrive together, and reused for a second: one turn on the file serves them all. */
export const REUSE_MS = 1000;
/** Live samples kept for the rates chart (one per poll, every ~2 s: about four minutes). */
const LIVE_SAMPLES = 120;
/** A live status older than this means `up` is not generating any more. */
const LIVE_STALE_MS = 3000;

function filtersOf(url: URL): Filters {
  const filters: Filters = {};
  for (const key of ['from', 'to', 'state', 'category'] as const) {
    const value = url.searchParams.get(key);
    if (value) filters[key] = value;
  }
  return checkFilters(filters);
}

/** Every chart's rows by name, KPI charts and pipeline figures alike (what the CSV links name). */
const tablesOf = (data: DashboardData): Record<string, Row[]> => ({
  ...data.charts,
  ...data.pipeline,
  ...(data.headline ? { headline: [data.headline] } : {}),
});

/**
 * Serves the dashboard: the page, the charting library from node_modules, `/api/data` (every
 * figure for the filters, JSON), `/api/csv/<chart>` (one chart's rows) and `/api/live` (`up`'s
 * published / acked / in-flight samples while it generates).
 */
export async function startDashboard(options: DashboardOptions): Promise<RunningDashboard> {
  const reads = new Map<string, { at: number; data: Promise<DashboardData> }>();
  const lastGood = new Map<string, DashboardData>();
  const live: LiveStatus[] = [];
  const dataDir = dirname(options.database);

  const read = (filters: Filters): Promise<DashboardData> => {
    const key = JSON.stringify(filters);
    const cached = reads.get(key);
    if (cached && Date.now() - cached.at < REUSE_MS) return cached.data;
    // While the file stays busy past the read's lock timeout (a long WAP run holds it), the last
    // figures read are served, marked stale, rather than an error.
    const data = readDashboard(options.database, filters, options.lockTimeoutMs).then(
      (fresh) => (lastGood.set(key, fresh), fresh),
      (error: Error) => {
        reads.delete(key);
        const previous = lastGood.get(key);
        if (!previous) throw error;
        return { ...previous, stale: error.message };
      },
    );
    reads.set(key, { at: Date.now(), data });
    return data;
  };

  const liveNow = async () => {
    const status = await readLiveStatus(dataDir);
    if (status && status.at !== live.at(-1)?.at) {
      live.push(status);
      if (live.length > LIVE_SAMPLES) live.shift();
    }
    const active = status !== null && Date.now() - Date.parse(status.at) < LIVE_STALE_MS;
    return { active, samples: active ? live : [] };
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://dashboard');
    const send = (status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...extra });
      response.end(body);
    };
    if (request.method !== 'GET') return send(405, 'text/plain', 'GET only\n');
    const asset = ASSETS[url.pathname];
    if (asset) {
      const body = await readFile(asset.path);
      return send(200, asset.type, url.pathname === '/' ? body.toString('utf8').replace('__REFRESH_SECONDS__', String(options.refreshSeconds ?? 10)) : body);
    }
    let filters: Filters;
    try {
      filters = filtersOf(url);
    } catch (error) {
      return send(400, 'application/json', JSON.stringify({ error: (error as Error).message }));
    }
    if (url.pathname === '/api/data') return send(200, 'application/json', JSON.stringify(await read(filters)));
    if (url.pathname === '/api/live') return send(200, 'application/json', JSON.stringify(await liveNow()));
    const csv = /^\/api\/csv\/([a-z_]+)$/.exec(url.pathname);
    if (csv) {
      const rows = tablesOf(await read(filters))[csv[1]!];
      if (!rows) return send(404, 'text/plain', `no chart named ${csv[1]}\n`);
      const columns = Object.keys(rows[0] ?? {});
      return send(200, 'text/csv; charset=utf-8', stringify(rows, { header: true, columns: columns.length ? columns : undefined }), {
        'content-disposition': `attachment; filename="${csv[1]}.csv"`,
      });
    }
    return send(404, 'text/plain', 'not found\n');
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: Error) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: error.message }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new OperationalError(
          error.code === 'EADDRINUSE'
            ? `dashboard port ${options.port} is in use: pick another (dashboard --port, up --dashboard-port)`
            : `dashboard cannot listen: ${error.message}`,
        ),
      ),
    );
    server.listen(options.port, options.host ?? '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
