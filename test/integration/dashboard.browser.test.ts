/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import puppeteer, { type Page } from 'puppeteer-core';
import { withDuckDBFile } from '../../common/warehouse/duckdb-file.ts';
import { rows } from '../../dashboard/reader.ts';
import { CLI_ARGS } from '../helpers/cli.ts';

// `orderflow up --dashboard` on a short run, the page loaded in headless Chromium (Debian's
// `chromium`, driven by puppeteer-core): every chart draws data, no console error, the figures are
// the warehouse's, a filter changes them, and a screenshot is kept as an artifact.

const CHROMIUM = [process.env.ORDERFLOW_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => p && existsSync(p));
const ARTIFACTS = process.env.ORDERFLOW_TEST_ARTIFACTS ?? join(tmpdir(), 'orderflow-test-artifacts');
const CHARTS = [
  'monthly_customer_growth',
  'top_products',
  'sales_by_seller',
  'sales_trend',
  'seller_delivery_time',
  'aov_by_state',
  'purchase_frequency',
  'monthly_retention',
  'raw_rows',
  'dead_letters',
  'wap_runs',
];

/** Resolves with the first stdout line matching `pattern`, or rejects when the process exits first. */
function lineMatching(output: { text: string; exited: boolean }, pattern: RegExp, onData: (listener: () => void) => void): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = pattern.exec(output.text);
      if (match) resolve(match);
      else if (output.exited) reject(new Error(`orderflow up exited without printing ${pattern}:\n${output.text}`));
    };
    onData(check);
    check();
  });
}

/**
 * GET and parse JSON on a new connection each time: `up` blocks its event loop for seconds at a time
 * (the dims snapshot), so a kept-alive socket may be closed by the server just as it is reused.
 */
function getJson(url: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (response) => {
      let body = '';
      response
        .setEncoding('utf8')
        .on('data', (chunk: string) => (body += chunk))
        .on('end', () => resolve(JSON.parse(body)));
    }).on('error', reject);
  });
}

/** Data points of a chart as ECharts holds them, and painted pixels of its canvas. */
const chartState = (page: Page, id: string) =>
  page.evaluate((chartId) => {
    const card = document.getElementById(`card-${chartId}`)!;
    const box = card.querySelector('.chart') as HTMLElement;
    // @ts-expect-error echarts is the page's global
    const instance = echarts.getInstanceByDom(box);
    const series = (instance?.getOption().series ?? []) as { data: unknown[] }[];
    const canvas = box.querySelector('canvas');
    let painted = 0;
    if (canvas && canvas.width && canvas.height) {
      const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 3; i < pixels.length; i += 4 * 16) if (pixels[i]! > 0) painted++;
    }
    return { points: series.reduce((n, s) => n + s.data.length, 0), painted, attribute: Number(card.dataset.points) };
  }, id);

const headline = (page: Page) =>
  page.evaluate(() => Object.fromEntries([...document.querySelectorAll<HTMLElement>('#headline .tile')].map((t) => [t.dataset.kpi!, Number(t.dataset.value)])));

test(
  'the dashboard of a short `up --dashboard` run in headless Chromium',
  { skip: CHROMIUM ? false : 'no Chromium installed (apt-get install -y chromium; .ci/run does)', timeout: 900_000 },
  async (t) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'orderflow-up-dashboard-'));
    const child = spawn(
      process.execPath,
      [...CLI_ARGS, 'up', '--dashboard', '--dashboard-port', '0', '--data-dir', dataDir, '--rate', '200', '--duration', '6'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const output = { text: '', exited: false };
    const listeners: (() => void)[] = [];
    child.stdout.on('data', (chunk: Buffer) => {
      output.text += chunk.toString();
      listeners.forEach((l) => l());
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output.text += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) =>
      child.on('close', (code) => {
        output.exited = true;
        listeners.forEach((l) => l());
        resolve(code);
      }),
    );
    const onData = (l: () => void) => listeners.push(l);
    const browser = await puppeteer.launch({ executablePath: CHROMIUM!, headless: true, timeout: 120_000, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    try {
      const url = (await lineMatching(output, /^dashboard: (http:\/\/\S+)$/m, onData))[1]!;

      // While the generator runs, the live rates come from up's status file.
      let live: { active: boolean; samples: unknown[] } = { active: false, samples: [] };
      while (!(live.active && live.samples.length >= 2)) {
        assert.ok(!/Dashboard: .*serving until Ctrl-C/.test(output.text), `live rates never showed while up generated:\n${output.text}`);
        live = (await getJson(`${url}api/live`)) as typeof live;
        await sleep(200);
      }

      await lineMatching(output, /^Dashboard: (http:\/\/\S+) \(serving until Ctrl-C\)$/m, onData);
      const database = join(dataDir, 'warehouse.duckdb');
      const sql = (query: string) => withDuckDBFile(database, (c) => rows(c, query), { mode: 'read-only' });

      const page = await browser.newPage();
      // Events are awaited, not timed: a busy machine may take a while to read the warehouse.
      page.setDefaultTimeout(300_000);
      await page.setViewport({ width: 1400, height: 1000 });
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warn') problems.push(`console ${message.type()}: ${message.text()}`);
      });
      page.on('pageerror', (error) => problems.push(`page error: ${String(error)}`));
      page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));
      page.on('response', (response) => {
        if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
      });
      await page.goto(url);
      await page.waitForSelector('body[data-state=ready]');

      for (const id of CHARTS) {
        const state = await chartState(page, id);
        assert.ok(state.points > 0 && state.attribute > 0, `${id} has data: ${JSON.stringify(state)}`);
        assert.ok(state.painted > 0, `${id} painted its canvas`);
      }
      assert.equal(await page.$eval('#banner', (el) => el.classList.contains('shown')), false, 'no empty-mart banner');

      // The figures shown are the warehouse's.
      const [facts] = await sql(`SELECT (SELECT SUM(price) FROM mart.fact_sales) AS revenue, COUNT(*) AS orders FROM mart.fact_orders`);
      const shown = await headline(page);
      assert.equal(shown.orders, Number(facts!.orders));
      assert.ok(Math.abs(shown.revenue! - Number(facts!.revenue)) < 0.005, `revenue ${shown.revenue} vs ${facts!.revenue}`);
      const trend = await sql('SELECT purchase_date, SUM(items_price) AS revenue FROM mart.fact_orders GROUP BY 1 ORDER BY 1');
      const drawn = await page.evaluate(() => {
        // @ts-expect-error echarts is the page's global
        const option = echarts.getInstanceByDom(document.querySelector('#card-sales_trend .chart')).getOption();
        return { dates: option.xAxis[0].data as string[], revenue: option.series[0].data as number[] };
      });
      assert.deepEqual(
        drawn.dates,
        trend.map((r) => r.purchase_date),
      );
      assert.deepEqual(
        drawn.revenue,
        trend.map((r) => r.revenue),
      );

      // Every chart's rows as a table and as CSV.
      await page.click('#card-sales_trend .actions button');
      assert.equal(await page.$$eval('#card-sales_trend .rows tbody tr', (trs) => trs.length), trend.length);
      const csv = await page.$eval('#card-sales_trend a.csv', async (a) => (await fetch((a as HTMLAnchorElement).href)).text());
      assert.equal(csv.trim().split('\n').length, trend.length + 1);
      assert.match(csv, /^purchase_date,order_count,revenue,order_total,revenue_7d_avg\n/);

      mkdirSync(ARTIFACTS, { recursive: true });
      const screenshot = join(ARTIFACTS, 'dashboard.png');
      await page.click('#card-sales_trend .actions button');
      await page.screenshot({ path: screenshot, fullPage: true });
      t.diagnostic(`screenshot: ${screenshot}`);

      // A filter changes the figures, to the state's own.
      const [top] = await sql('SELECT customer_state, COUNT(*) AS orders FROM mart.fact_orders GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1');
      await page.select('select[name=state]', String(top!.customer_state));
      await page.waitForFunction((state) => JSON.parse(document.body.dataset.filters ?? '{}').state === state, {}, String(top!.customer_state));
      const filtered = await headline(page);
      assert.equal(filtered.orders, Number(top!.orders));
      assert.ok(filtered.orders! < shown.orders!, 'fewer orders in one state');
      assert.equal(await page.$eval('#card-aov_by_state', (el) => (el as HTMLElement).dataset.points), '1');

      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
      child.kill('SIGINT');
    }
    assert.equal(await exited, 0, output.text);
  },
);
