import type { StackOptions } from '../../local/stack/up.ts';
import { rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { killAllChildren } from '../../local/stack/children.ts';
import { formatSummary } from '../../local/stack/report.ts';
import { defineCommand } from '../command.ts';
import { integer, lifecycleSpeedOption, oneOf, port, positiveInteger, positiveNumber, probability } from '../options.ts';
import { DEFAULT_DASHBOARD_PORT } from './dashboard.ts';

/** The stack's options as flags: seconds instead of ms for the stall timeout; the signal is ours. */
type Args = Omit<StackOptions, 'stallTimeoutMs' | 'signal'> & { stallTimeout: number; dashboard: boolean; dashboardPort: number };

export const upCommand = defineCommand<Args>({
  command: 'up',
  describe: 'Run the whole pipeline locally: embedded Pub/Sub emulator, DuckDB, two workers, the generator, then the WAP job',
  builder: (y) =>
    y
      .options({
        'data-dir': { type: 'string', default: './data', describe: 'Warehouse file, logs, dims snapshot and audit reports go here' },
        workers: { type: 'number', default: 2, coerce: positiveInteger('workers'), describe: 'Worker processes on the one subscription' },
        rate: { type: 'number', default: 100, coerce: positiveNumber('rate'), describe: 'Messages a second the generator publishes' },
        duration: { type: 'number', default: 30, coerce: positiveNumber('duration'), describe: 'Seconds of generation (rate x duration messages)' },
        'keep-running': {
          type: 'boolean',
          default: false,
          describe: 'Keep generator and workers going until Ctrl-C, then drain, run the WAP job and summarise',
        },
        seed: { type: 'number', default: 1, coerce: integer('seed'), describe: 'Generator seed (the dims snapshot uses the same)' },
        'duplicate-rate': { type: 'number', default: 0.03, coerce: probability('duplicate-rate'), describe: 'Share of republished events' },
        'invalid-rate': { type: 'number', default: 0.02, coerce: probability('invalid-rate'), describe: 'Share of invalid messages (every reason code)' },
        'update-rate': {
          type: 'number',
          default: 0.6,
          coerce: probability('update-rate'),
          describe: 'Share of order_updated events (each order has ~5 lifecycle steps)',
        },
        'lifecycle-speed': lifecycleSpeedOption('1440 with --keep-running, whose events follow the wall clock; else 1'),
        olist: {
          type: 'string',
          describe: 'Instead of generating: import this unzipped Kaggle Olist folder (history and dims) and run the batch over all its dates',
        },
        'stall-timeout': {
          type: 'number',
          default: 60,
          coerce: positiveNumber('stall-timeout'),
          describe: 'Give up when nothing is acked for this many seconds',
        },
        mode: {
          type: 'string',
          default: 'pull',
          coerce: oneOf('mode', ['pull', 'push']),
          describe:
            'pull: the workers stream-pull the subscription; push: the emulator pushes to them (push subscription, ID tokens, a round-robin front like Cloud Run)',
        },
        dashboard: {
          type: 'boolean',
          default: false,
          describe: 'Serve the KPI dashboard from the start (live rates while generating) and keep serving it after the run until Ctrl-C',
        },
        'dashboard-port': {
          type: 'number',
          default: DEFAULT_DASHBOARD_PORT,
          coerce: port('dashboard-port'),
          describe: "The dashboard's HTTP port with --dashboard (0 picks a free one)",
        },
      })
      .example('npm start', 'the default demo (up --dashboard): ~3,000 messages in 30 s, the WAP job, then the dashboard until Ctrl-C')
      .example('orderflow up --rate 500 --duration 60 --workers 3', 'more volume')
      .example('orderflow up --keep-running', 'run until Ctrl-C')
      .example('orderflow up --olist ./olist', 'the real Kaggle dataset end to end (docs/guide.md)')
      .example('orderflow up --mode push', 'the emulator pushes to push-mode workers'),
  handler: async (args) => {
    // Loaded here, not at the top: every CLI start would otherwise load this command's libraries.
    const [{ runStack, stackPaths }, { checkOlistInput }, { lockDataDir }, { liveStatusPath }] = await Promise.all([
      import('../../local/stack/up.ts'),
      import('../../local/stack/olist.ts'),
      import('../../local/stack/lock.ts'),
      import('../../local/stack/live-status.ts'),
    ]);
    // Before anything starts or is created: the input is all there, and no other up runs on this data directory.
    if (args.olist) await checkOlistInput(args.olist);
    await mkdir(args.dataDir, { recursive: true });
    const lock = lockDataDir(args.dataDir);
    // Whatever the way out (a second Ctrl-C exits at once): the next up may start, and the dashboard shows no stale live rates.
    process.once('exit', () => {
      lock.release();
      rmSync(liveStatusPath(args.dataDir), { force: true });
    });
    const { database } = stackPaths(args.dataDir);
    const dashboard = args.dashboard ? await (await import('../../dashboard/server.ts')).startDashboard({ database, port: args.dashboardPort }) : undefined;
    if (dashboard) process.stdout.write(`dashboard: ${dashboard.url}\n`);
    const stop = new AbortController();
    let interrupts = 0;
    const onSignal = () => {
      interrupts += 1;
      if (interrupts > 1) {
        // A second Ctrl-C: no more waiting.
        killAllChildren();
        process.exit(130);
      }
      process.stderr.write(
        args.keepRunning ? '\nstopping the generator; draining, then the WAP job (Ctrl-C again to abort)\n' : '\nshutting down (Ctrl-C again to abort)\n',
      );
      stop.abort();
    };
    process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
    process.once('exit', killAllChildren);
    const started = performance.now();
    let keepServing = false;
    try {
      const { stallTimeout, dashboard: _dashboard, dashboardPort: _dashboardPort, ...options } = args;
      const result = await runStack({ ...options, stallTimeoutMs: stallTimeout * 1000, signal: stop.signal }, (line) => process.stdout.write(`${line}\n`));
      process.stdout.write(formatSummary(result, (performance.now() - started) / 1000));
      // The same figures for scripts and tests.
      await writeFile(join(args.dataDir, 'up-summary.json'), `${JSON.stringify(result, null, 2)}\n`);
      if (result.interrupted) process.exitCode = 130;
      else if (result.batch && result.batch.exitCode !== 0) process.exitCode = typeof result.batch.exitCode === 'number' ? result.batch.exitCode : 1;
      keepServing = dashboard !== undefined && !result.interrupted;
      process.stdout.write(
        keepServing
          ? `\nDashboard: ${dashboard!.url} (serving until Ctrl-C)\n`
          : `\nDashboard: npx orderflow dashboard --database ${database}, then open http://127.0.0.1:${DEFAULT_DASHBOARD_PORT}/\n`,
      );
    } finally {
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
      lock.release();
      if (!keepServing) await dashboard?.close();
    }
    if (keepServing) {
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve).once('SIGTERM', resolve);
      });
      await dashboard!.close();
    }
  },
});
