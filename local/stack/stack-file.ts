import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunningEmulator } from '../emulator/index.ts';

/**
 * What a running `orderflow up` tells `orderflow status`, in `<data-dir>/stack.json` while it runs:
 * where its emulator's subscription figures and its workers' /stats are, and the warehouse file.
 */
export interface StackFile {
  pid: number;
  startedAt: string;
  /** GET → SubscriptionFigures of the embedded emulator; absent with an external emulator. */
  pubsubStats?: string;
  subscription: string;
  workers: string[];
  database: string;
}

/** A subscription's backlog as Cloud Monitoring names it. */
export interface SubscriptionFigures {
  subscription: string;
  num_undelivered_messages: number;
  oldest_unacked_message_age_s: number | null;
}

export const stackFilePath = (dataDir: string) => join(dataDir, 'stack.json');

export async function writeStackFile(dataDir: string, stack: StackFile): Promise<void> {
  await writeFile(stackFilePath(dataDir), `${JSON.stringify(stack, null, 2)}\n`);
}

export async function removeStackFile(dataDir: string): Promise<void> {
  await rm(stackFilePath(dataDir), { force: true });
}

/** The stack file of a running `up`, or undefined when none is running there. */
export async function readStackFile(dataDir: string): Promise<StackFile | undefined> {
  try {
    return JSON.parse(await readFile(stackFilePath(dataDir), 'utf8')) as StackFile;
  } catch {
    return undefined;
  }
}

/** Serves the embedded emulator's backlog of one subscription on 127.0.0.1 (a free port). */
export async function servePubSubFigures(emulator: RunningEmulator, subscription: string): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    const found = emulator.broker.subscriptions.get(subscription);
    const oldest = found?.oldestUnackedPublishTimeMs();
    const figures: SubscriptionFigures = {
      subscription,
      num_undelivered_messages: found?.backlog ?? 0,
      oldest_unacked_message_age_s: oldest === undefined ? null : Math.max(0, (Date.now() - oldest) / 1000),
    };
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(figures));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
