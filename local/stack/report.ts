import type { StackResult } from './up.ts';

const n = (value: number) => value.toLocaleString('en-US');
const list = (counts: Record<string, number>) =>
  Object.entries(counts)
    .map(([k, v]) => `${k} ${n(v)}`)
    .join(', ') || 'none';

/** The summary `orderflow up` prints: what was published, what landed where, the audit, the marts. */
export function formatSummary(result: StackResult, seconds: number): string {
  const { generator: g, warehouse: w, workers, batch } = result;
  const expected = g.published - g.byKind.invalid - g.byKind.duplicate;
  const lines = [
    '',
    `orderflow up: ${result.interrupted ? 'interrupted' : 'done'} in ${seconds.toFixed(0)} s`,
    `  published        ${n(g.published)} messages (created ${n(g.byKind.created)}, updated ${n(g.byKind.updated)}, duplicates ${n(g.byKind.duplicate)}, invalid ${n(g.byKind.invalid)}; failed ${n(g.failed)})`,
    `  ingested         ${n(w.ingestedEvents)} distinct events (published - invalid - duplicates = ${n(expected)}${w.ingestedEvents === expected ? ', matches' : mismatch(result.interrupted)})`,
    `  dead-lettered    ${n(w.deadLetteredMessages)} messages: ${list(w.deadLettered)}`,
    `  duplicates       ${n(workers.duplicatesDropped)} dropped by the workers' cache; the rest are deduped on read (*_current views, WAP staging)`,
    `  raw rows         ${list(w.rows)} (written by this run)`,
  ];
  if (batch) {
    const failed = batch.checks.filter((c) => c.status === 'fail');
    const warned = batch.checks.filter((c) => c.status === 'warn');
    const passed = batch.checks.filter((c) => c.status === 'pass');
    lines.push(
      batch.failure
        ? `  audit            ${batch.failure}`
        : `  audit            ${batch.summary?.status ?? `batch exited ${batch.exitCode}`}: ${passed.length} passed, ${warned.length} warning${warned.length === 1 ? '' : 's'}, ${failed.length} failed (${dateSpan(batch.summary?.dates ?? [])})`,
    );
    for (const check of [...failed, ...warned]) lines.push(`    ${check.status.padEnd(5)} ${check.name} (${n(check.failingRows)} rows)`);
    lines.push(...wrap(`    pass  ${passed.map((c) => c.name).join(', ')}`, 110, '          '));
    if (batch.summary?.report) lines.push(`    report: ${batch.summary.report}`);
    lines.push(`  mart             ${list(w.mart)} (the whole warehouse, every run so far)`);
  }
  lines.push(
    '',
    'Query the warehouse:',
    `  npx orderflow query "SELECT order_status, count(*) AS orders FROM raw.orders_current GROUP BY 1 ORDER BY 2 DESC" --database ${result.paths.database}`,
    `  npx orderflow query "SELECT * FROM mart.agg_daily_sales ORDER BY 1" --database ${result.paths.database}`,
    `  npx orderflow query "SELECT error_code, payload FROM raw.dead_letter LIMIT 5" --database ${result.paths.database}`,
    `Logs: ${result.paths.logs}/ (setup, worker-N, batch, up)`,
  );
  return `${lines.join('\n')}\n`;
}

function wrap(text: string, width: number, indent: string): string[] {
  const lead = /^\s*/.exec(text)![0];
  const out: string[] = [];
  let line = lead;
  for (const word of text.trim().split(' ')) {
    if (line.trim() && line.length + word.length + 1 > width) {
      out.push(line);
      line = indent + word;
    } else line = line.trim() ? `${line} ${word}` : `${line}${word}`;
  }
  if (line.trim()) out.push(line);
  return out;
}

const dateSpan = (dates: string[]) =>
  dates.length === 0 ? 'no dates' : dates.length === 1 ? `date ${dates[0]}` : `${dates.length} dates, ${dates[0]} to ${dates.at(-1)}`;

// Interrupted, the messages not yet acked died with the in-memory emulator: expected, not data loss.
const mismatch = (interrupted: boolean) =>
  interrupted ? ', short: interrupted, so the messages not yet acked went with the in-memory emulator' : ', MISMATCH';
