import { defineCommand } from '../command.ts';
import { memorySize, port, positiveInteger } from '../options.ts';
import { DEFAULT_PUSH_MAX_CONCURRENCY } from '../../local/emulator/limits.ts';
import { UsageError } from '../../common/errors.ts';
import { createLogger } from '../../common/logger.ts';
import { resolveFaults } from '../../local/emulator/faults.ts';

interface EmulatorArgs {
  host: string;
  'emulator-port': number;
  'fault-duplicate-rate': number;
  'fault-delay-ms': number;
  'fault-delay-rate': number | undefined;
  'fault-drop-stream-every': number;
  'fault-seed': number;
  'push-max-concurrency': number;
  'max-held-bytes': number;
}

export const emulatorCommand = defineCommand<EmulatorArgs>({
  command: 'emulator',
  describe: 'Run the embedded Pub/Sub emulator until SIGINT/SIGTERM (clients: PUBSUB_EMULATOR_HOST=host:port)',
  builder: (yargs) =>
    yargs
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'Interface to listen on' })
      // Named apart from the worker's --port and the generator's --duplicate-rate and --seed: one
      // environment (ORDERFLOW_PORT, ORDERFLOW_DUPLICATE_RATE, ORDERFLOW_SEED) serves every command.
      .option('emulator-port', { type: 'number', default: 8085, coerce: port('emulator-port'), describe: 'Port to listen on (0 picks a free one)' })
      .option('fault-duplicate-rate', { type: 'number', default: 0, describe: 'Fault: fraction (0..1) of acked messages delivered again' })
      .option('fault-delay-ms', { type: 'number', default: 0, describe: 'Fault: hold deliveries back this many milliseconds' })
      .option('fault-delay-rate', {
        type: 'number',
        describe: 'Fault: fraction (0..1) of deliveries delayed by --fault-delay-ms (default 1 when --fault-delay-ms is set)',
      })
      .option('fault-drop-stream-every', { type: 'number', default: 0, describe: 'Fault: end each StreamingPull stream after this many messages (0 = never)' })
      .option('fault-seed', { type: 'number', default: 1, describe: 'Seed for the fault injection random choices' })
      .option('max-held-bytes', {
        type: 'string',
        default: '1GiB',
        coerce: (value: unknown) => sizeInBytes(memorySize('max-held-bytes')(value)),
        describe: 'Bytes of unacknowledged messages held at most; a publish beyond fails with RESOURCE_EXHAUSTED (e.g. 512MB, 2GB)',
      })
      .option('push-max-concurrency', {
        type: 'number',
        default: DEFAULT_PUSH_MAX_CONCURRENCY,
        coerce: positiveInteger('push-max-concurrency'),
        describe: 'Push subscriptions: concurrent push requests at most, each (the window starts at 3, grows by one per acked request, halves on a failure)',
      }),
  handler: async (args) => {
    // Loaded here, not at the top: every CLI start would otherwise load this command's libraries.
    const { startEmulator } = await import('../../local/emulator/index.ts');
    let faults;
    try {
      faults = resolveFaults({
        duplicateRate: args['fault-duplicate-rate'],
        delayMs: args['fault-delay-ms'],
        ...(args['fault-delay-rate'] === undefined ? {} : { delayRate: args['fault-delay-rate'] }),
        dropStreamEvery: args['fault-drop-stream-every'],
        seed: args['fault-seed'],
      });
    } catch (error) {
      // Name the flag, not the option key: duplicateRate -> --fault-duplicate-rate.
      throw new UsageError((error as Error).message.replace(/^[a-z]+[A-Za-z]*/, (key) => `--fault-${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`));
    }
    const logger = createLogger({ base: { component: 'pubsub-emulator' } });
    const emulator = await startEmulator({
      host: args.host,
      port: args['emulator-port'],
      faults,
      pushMaxConcurrency: args['push-max-concurrency'],
      maxHeldBytes: args['max-held-bytes'],
    });
    logger.info({ address: emulator.address, faults }, 'Pub/Sub emulator listening');
    process.stdout.write(`PUBSUB_EMULATOR_HOST=${emulator.address}\n`);
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    logger.info({ signal }, 'Pub/Sub emulator shutting down');
    await emulator.close();
    logger.info('Pub/Sub emulator stopped');
  },
});

const UNITS: Record<string, number> = { kb: 1e3, mb: 1e6, gb: 1e9, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30 };

/** "512MB" -> 512,000,000; the text is already checked by memorySize (KB/MB/GB decimal, KiB/MiB/GiB binary). */
function sizeInBytes(text: string): number {
  const [, amount, unit] = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/i.exec(text) as unknown as [string, string, string];
  return Math.floor(Number(amount) * (UNITS[unit.toLowerCase()] as number));
}
