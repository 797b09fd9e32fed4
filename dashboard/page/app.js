/* global echarts, document, window, fetch, URLSearchParams, FormData */
// The dashboard page: reads /api/data for the filters, draws each chart with ECharts, and keeps
// every chart's rows one click away (table) or one download away (CSV). Refreshes on its own.
'use strict';

const money = (v) => (v === null || v === undefined ? '–' : Number(v).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }));
const count = (v) => (v === null || v === undefined ? '–' : Number(v).toLocaleString('en-US'));
const percent = (v) => (v === null || v === undefined ? '–' : `${(Number(v) * 100).toFixed(1)}%`);
const decimal = (v) => (v === null || v === undefined ? '–' : Number(v).toFixed(1));
const short = (id) => String(id).slice(0, 8);

const HEADLINE = [
  ['revenue', 'Revenue (BRL)', money],
  ['orders', 'Orders', count],
  ['items', 'Items', count],
  ['average_order_value', 'Average order value', money],
  ['average_delivery_days', 'Average delivery days', decimal],
  ['late_delivery_rate', 'Late-delivery rate', percent],
  ['repeat_customer_rate', 'Repeat-customer rate', percent],
];

const grid = { left: 56, right: 16, top: 30, bottom: 40, containLabel: true };
const tooltip = { trigger: 'axis' };
const legend = { top: 0 };

/** Each chart: where its rows are, a note, and the ECharts option for its rows. */
const CHARTS = [
  { id: 'monthly_customer_growth', group: 'kpis', title: 'Monthly customer growth', note: 'New and active customers per month; line: running total',
    option: (rows) => ({ tooltip, legend, grid, xAxis: { type: 'category', data: rows.map((r) => r.month.slice(0, 7)) }, yAxis: { type: 'value' },
      series: [
        { name: 'new', type: 'bar', data: rows.map((r) => r.new_customers) },
        { name: 'active', type: 'bar', data: rows.map((r) => r.active_customers) },
        { name: 'total', type: 'line', data: rows.map((r) => r.total_customers) },
      ] }) },
  { id: 'top_products', group: 'kpis', title: 'Top products by revenue', note: 'Top 15; category as currently known',
    option: (rows) => ({ tooltip, grid: { ...grid, left: 8 }, yAxis: { type: 'category', inverse: true, data: rows.map((r) => `${r.category ?? 'no category'} · ${short(r.product_id)}`) },
      xAxis: { type: 'value' }, series: [{ name: 'revenue', type: 'bar', data: rows.map((r) => r.revenue) }] }) },
  { id: 'sales_by_seller', group: 'kpis', title: 'Sales by seller', note: 'Top 15 sellers by revenue',
    option: (rows) => ({ tooltip, grid: { ...grid, left: 8 }, yAxis: { type: 'category', inverse: true, data: rows.map((r) => `${short(r.seller_id)} (${r.seller_state ?? '?'})`) },
      xAxis: { type: 'value' }, series: [{ name: 'revenue', type: 'bar', data: rows.map((r) => r.revenue) }] }) },
  { id: 'sales_trend', group: 'kpis', title: 'Sales trend', note: 'Daily revenue and its trailing 7-day average',
    option: (rows) => ({ tooltip, legend, grid, xAxis: { type: 'category', data: rows.map((r) => r.purchase_date) }, yAxis: { type: 'value' },
      series: [
        { name: 'revenue', type: 'bar', data: rows.map((r) => r.revenue) },
        { name: '7-day average', type: 'line', smooth: true, data: rows.map((r) => r.revenue_7d_avg) },
      ] }) },
  { id: 'seller_delivery_time', group: 'kpis', title: 'Delivery time by seller', note: 'Average days to delivery vs delivered orders; red: outliers (beyond 2 standard deviations)',
    option: (rows) => ({ tooltip: { trigger: 'item', formatter: (p) => `${p.data[2]}<br>${p.data[1].toFixed(1)} days, ${p.data[0]} orders` }, legend, grid,
      xAxis: { type: 'value', name: 'delivered orders' }, yAxis: { type: 'value', name: 'days' },
      series: [
        { name: 'sellers', type: 'scatter', data: rows.filter((r) => !r.is_outlier).map((r) => [r.delivered_orders, r.avg_delivery_days, short(r.seller_id)]) },
        { name: 'outliers', type: 'scatter', itemStyle: { color: '#c62828' }, data: rows.filter((r) => r.is_outlier).map((r) => [r.delivered_orders, r.avg_delivery_days, short(r.seller_id)]) },
      ] }) },
  { id: 'aov_by_state', group: 'kpis', title: 'Average order value by state', note: 'Price + freight per order; CSV by city too', extraCsv: ['aov_by_location', 'by city'],
    option: (rows) => ({ tooltip, grid, xAxis: { type: 'category', data: rows.map((r) => r.customer_state ?? '?') }, yAxis: { type: 'value' },
      series: [{ name: 'average order value', type: 'bar', data: rows.map((r) => r.avg_order_value) }] }) },
  { id: 'purchase_frequency', group: 'kpis', title: 'Purchase frequency', note: 'Customers by number of orders',
    option: (rows) => ({ tooltip, grid, xAxis: { type: 'category', name: 'orders', data: rows.map((r) => String(r.orders_per_customer)) }, yAxis: { type: 'value', name: 'customers' },
      series: [{ name: 'customers', type: 'bar', data: rows.map((r) => r.customers) }] }) },
  { id: 'monthly_retention', group: 'kpis', title: 'Monthly retention', note: 'Share of each first-purchase cohort buying N months later',
    option: (rows) => {
      const cohorts = [...new Set(rows.map((r) => r.cohort_month.slice(0, 7)))];
      const months = [...new Set(rows.map((r) => r.months_since_first))].sort((a, b) => a - b);
      return {
        tooltip: { formatter: (p) => `cohort ${cohorts[p.data[1]]}, +${months[p.data[0]]} months: ${percent(p.data[2])}` },
        grid: { ...grid, right: 70 }, xAxis: { type: 'category', name: 'months since first', nameLocation: 'middle', nameGap: 26, data: months.map(String) },
        yAxis: { type: 'category', data: cohorts },
        visualMap: { min: 0, max: 1, orient: 'vertical', right: 0, top: 'middle', itemHeight: 120, calculable: true, formatter: (v) => percent(v) },
        series: [{ name: 'retention', type: 'heatmap', label: { show: true, formatter: (p) => percent(p.data[2]) },
          data: rows.map((r) => [months.indexOf(r.months_since_first), cohorts.indexOf(r.cohort_month.slice(0, 7)), r.retention_rate]) }],
      };
    } },
  { id: 'raw_rows', group: 'pipeline', title: 'Raw rows per table', note: 'Every event as delivered (append-only)', unfiltered: true,
    option: (rows) => ({ tooltip, grid, xAxis: { type: 'category', data: rows.map((r) => r.raw_table) }, yAxis: { type: 'value' },
      series: [{ name: 'rows', type: 'bar', data: rows.map((r) => r.row_count) }] }) },
  { id: 'dead_letters', group: 'pipeline', title: 'Dead letters by reason', note: 'Messages in raw.dead_letter by error code', unfiltered: true,
    option: (rows) => ({ tooltip, grid: { ...grid, left: 8 }, yAxis: { type: 'category', inverse: true, data: rows.map((r) => r.error_code) }, xAxis: { type: 'value' },
      series: [{ name: 'messages', type: 'bar', itemStyle: { color: '#b26a00' }, data: rows.map((r) => r.messages) }] }) },
  { id: 'wap_runs', group: 'pipeline', title: 'Last write-audit-publish runs', note: 'Checks passed, warned and failed per run (newest first); the table names the checks that did not pass', unfiltered: true,
    option: (rows) => ({ tooltip, legend, grid, xAxis: { type: 'category', data: rows.map((r) => `${r.started_at.slice(5, 16)} ${r.status}`) }, yAxis: { type: 'value', name: 'checks' },
      series: [
        { name: 'passed', type: 'bar', stack: 'checks', itemStyle: { color: '#2e7d32' }, data: rows.map((r) => r.passed) },
        { name: 'warnings', type: 'bar', stack: 'checks', itemStyle: { color: '#b26a00' }, data: rows.map((r) => r.warnings) },
        { name: 'failed', type: 'bar', stack: 'checks', itemStyle: { color: '#c62828' }, data: rows.map((r) => r.failed) },
      ] }) },
];

const LIVE = { id: 'live', group: 'pipeline', title: 'Live stream', note: 'Messages a second published and acked, and in flight, while orderflow up generates' };

const state = { data: null, filters: {}, charts: new Map(), reads: 0, seq: 0 };

function card(spec) {
  const el = document.createElement('section');
  el.className = 'card';
  el.id = `card-${spec.id}`;
  el.innerHTML = '<div class="head"><h3></h3><div class="actions"></div></div><div class="note"></div><div class="chart"></div><div class="empty" hidden></div><div class="rows"></div>';
  el.querySelector('h3').textContent = spec.title;
  el.querySelector('.note').textContent = spec.unfiltered ? `${spec.note} · not filtered` : spec.note;
  const actions = el.querySelector('.actions');
  const toggle = document.createElement('button');
  toggle.type = 'button';
  toggle.textContent = 'table';
  toggle.addEventListener('click', () => {
    el.classList.toggle('as-table');
    toggle.textContent = el.classList.contains('as-table') ? 'chart' : 'table';
    if (!el.classList.contains('as-table')) state.charts.get(spec.id)?.resize();
  });
  actions.append(toggle);
  if (spec.id !== 'live') {
    for (const [name, label] of [[spec.id, 'CSV'], ...(spec.extraCsv ? [spec.extraCsv] : [])]) {
      const link = document.createElement('a');
      link.className = 'csv';
      link.dataset.chart = name;
      link.textContent = label === 'CSV' ? 'CSV' : `CSV ${label}`;
      actions.append(link);
    }
  }
  document.getElementById(spec.group).append(el);
  const chart = echarts.init(el.querySelector('.chart'), null, { renderer: 'canvas' });
  state.charts.set(spec.id, chart);
  return el;
}

function table(el, rows) {
  const box = el.querySelector('.rows');
  box.replaceChildren();
  if (!rows.length) return;
  const t = document.createElement('table');
  const columns = Object.keys(rows[0]);
  const head = t.createTHead().insertRow();
  for (const c of columns) head.append(Object.assign(document.createElement('th'), { textContent: c }));
  const body = t.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    for (const c of columns) {
      const td = tr.insertCell();
      const v = row[c];
      td.textContent = v === null ? '' : String(v);
      if (typeof v === 'number') td.className = 'num';
    }
  }
  box.append(t);
}

function draw(spec, rows, emptyText) {
  const el = document.getElementById(`card-${spec.id}`);
  const chart = state.charts.get(spec.id);
  const empty = el.querySelector('.empty');
  table(el, rows);
  if (!rows.length) {
    chart.clear();
    el.querySelector('.chart').hidden = true;
    empty.hidden = false;
    empty.textContent = emptyText;
    el.dataset.points = '0';
    return;
  }
  el.querySelector('.chart').hidden = false;
  empty.hidden = true;
  chart.setOption(spec.option(rows), true);
  chart.resize();
  el.dataset.points = String(rows.length);
}

function query(filters) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(filters)) if (v) params.set(k, v);
  const text = params.toString();
  return text ? `?${text}` : '';
}

function fillSelect(select, values) {
  const current = select.value;
  const first = select.options[0];
  select.replaceChildren(first, ...values.map((v) => Object.assign(document.createElement('option'), { value: v, textContent: v })));
  select.value = values.includes(current) ? current : '';
}

function render(data) {
  const banner = document.getElementById('banner');
  const form = document.getElementById('filters');
  banner.classList.toggle('shown', data.status !== 'ok');
  if (data.status === 'no_warehouse') banner.innerHTML = 'No warehouse file yet. Run <code>npm start</code> (or <code>orderflow up</code>) to fill it.';
  if (data.status === 'empty') banner.innerHTML = 'The mart is empty: no write-audit-publish run has published yet. Run <code>npx orderflow batch run</code> once the workers have written some orders (<code>npm start</code> does both).';
  if (data.status === 'ok') {
    fillSelect(form.elements.state, data.options.states);
    fillSelect(form.elements.category, data.options.categories);
    for (const name of ['from', 'to']) {
      form.elements[name].min = data.options.first;
      form.elements[name].max = data.options.last;
    }
  }
  const headline = document.getElementById('headline');
  headline.replaceChildren(...HEADLINE.map(([key, label, format]) => {
    const tile = document.createElement('div');
    tile.className = 'tile';
    tile.dataset.kpi = key;
    const value = data.headline ? data.headline[key] : null;
    tile.dataset.value = value === null || value === undefined ? '' : String(value);
    tile.innerHTML = '<div class="label"></div><div class="value"></div>';
    tile.querySelector('.label').textContent = label;
    tile.querySelector('.value').textContent = format(value);
    return tile;
  }));
  const emptyText = data.status === 'ok' ? 'No orders match these filters.' : 'Nothing published yet.';
  for (const spec of CHARTS) {
    const rows = (spec.group === 'pipeline' ? data.pipeline[spec.id] : data.charts[spec.id]) ?? [];
    draw(spec, rows, spec.group === 'pipeline' ? 'Nothing recorded yet.' : emptyText);
  }
  for (const link of document.querySelectorAll('a.csv')) link.href = `/api/csv/${link.dataset.chart}${query(state.filters)}`;
  const filtered = Object.values(state.filters).some(Boolean);
  document.getElementById('status').textContent =
    `${data.status === 'ok' ? `published purchase dates ${data.options.first} to ${data.options.last}` : data.status === 'empty' ? 'mart empty' : 'no warehouse'}` +
    `${filtered ? ' · filtered' : ''} · read ${new Date(data.readAt).toLocaleTimeString()} · refreshes every ${document.body.dataset.refreshSeconds} s` +
    `${data.stale ? ` · warehouse busy, showing the last figures read (${data.stale})` : ''}`;
}

async function load() {
  // A refresh started before the filters changed must not draw over the newer answer.
  const seq = ++state.seq;
  const response = await fetch(`/api/data${query(state.filters)}`);
  if (seq !== state.seq) return;
  if (!response.ok) {
    document.getElementById('status').textContent = `could not read the warehouse: ${(await response.json()).error}`;
    return;
  }
  const data = await response.json();
  if (seq !== state.seq) return;
  state.data = data;
  render(data);
  document.body.dataset.filters = JSON.stringify(data.filters);
  state.reads += 1;
  document.body.dataset.reads = String(state.reads);
  document.body.dataset.state = 'ready';
}

const live = [];
async function loadLive() {
  const { active, samples } = await (await fetch('/api/live')).json();
  const spec = LIVE;
  if (!active || samples.length < 2) return draw({ ...spec, option: () => ({}) }, [], 'orderflow up is not generating right now: its published, acked and in-flight rates show here while it runs.');
  live.length = 0;
  for (let i = 1; i < samples.length; i++) {
    const [a, b] = [samples[i - 1], samples[i]];
    const seconds = (Date.parse(b.at) - Date.parse(a.at)) / 1000;
    live.push({ at: b.at.slice(11, 19), published_per_s: Math.round((b.published - a.published) / seconds), acked_per_s: Math.round((b.acked - a.acked) / seconds), in_flight: b.inFlight });
  }
  draw({ ...spec, option: (rows) => ({ tooltip, legend, grid, xAxis: { type: 'category', data: rows.map((r) => r.at) }, yAxis: { type: 'value' },
    series: [
      { name: 'published/s', type: 'line', data: rows.map((r) => r.published_per_s) },
      { name: 'acked/s', type: 'line', data: rows.map((r) => r.acked_per_s) },
      { name: 'in flight', type: 'line', data: rows.map((r) => r.in_flight) },
    ] }) }, live, '');
}

function main() {
  for (const spec of [...CHARTS, LIVE]) card(spec);
  const form = document.getElementById('filters');
  const apply = () => {
    const values = Object.fromEntries(new FormData(form));
    state.filters = Object.fromEntries(Object.entries(values).filter(([, v]) => v));
    load();
  };
  form.addEventListener('change', apply);
  form.addEventListener('reset', () => window.setTimeout(apply, 0));
  window.addEventListener('resize', () => state.charts.forEach((c) => c.resize()));
  load();
  loadLive();
  window.setInterval(load, Number(document.body.dataset.refreshSeconds) * 1000);
  window.setInterval(loadLive, 2000);
}

main();
