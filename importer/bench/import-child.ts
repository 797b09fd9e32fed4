// One import in its own process, so its peak RSS is the importer's alone: prints one JSON line.
import { createLogger } from '../../common/logger.ts';
import { DirectoryStore } from '../../common/object-store.ts';
import { runImport } from '../olist/run.ts';

const [dir, out, projectId, ordering] = process.argv.slice(2) as [string, string, string, string];
const result = await runImport({
  source: new DirectoryStore(dir),
  out,
  sourceTimeZone: 'America/Sao_Paulo',
  logger: createLogger({ level: 'warn' }),
  pubsub: { projectId, topic: 'orders', maxInFlight: 2000, ordering: ordering === 'ordered' },
});
process.stdout.write(
  `${JSON.stringify({ events: result.published, failed: result.failed, seconds: result.seconds, maxRssKb: process.resourceUsage().maxRSS, orders: result.report.orders })}\n`,
);
