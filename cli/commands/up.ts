import { defineCommand } from '../command.ts';

// Placeholder until the local-stack issue lands: `npm start` must exit cleanly meanwhile.
export const upCommand = defineCommand<object>({
  command: 'up',
  describe: 'Run the whole pipeline locally (emulator, workers, generator, WAP) — not yet available',
  handler: () => {
    process.stdout.write(
      'orderflow up: the one-command local stack is not built yet.\n' +
        'Meanwhile: npx orderflow generate --count 1000 --out stdout | npx orderflow validate -\n',
    );
  },
});
