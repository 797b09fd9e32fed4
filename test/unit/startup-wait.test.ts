import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { OperationalError } from '../../common/errors.ts';
import { createLogger } from '../../common/logger.ts';
import { waitForStartup } from '../../streaming/startup-wait.ts';

function recordingLogger() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { logger: createLogger({ destination }), lines };
}

test('a missing resource is retried, one warn line per attempt, until the check passes', async () => {
  const { logger, lines } = recordingLogger();
  let calls = 0;
  await waitForStartup(
    async () => {
      if (++calls < 3) throw new OperationalError(`subscription s does not exist (call ${calls})`);
    },
    { waitMs: 5_000, retryMs: 10, logger, context: { port: 1234 } },
  );
  assert.equal(calls, 3);
  assert.deepEqual(
    lines.map((line) => [line.message, line.attempt, line.port, line.reason]),
    [
      ['waiting for resources at start-up', 1, 1234, 'subscription s does not exist (call 1)'],
      ['waiting for resources at start-up', 2, 1234, 'subscription s does not exist (call 2)'],
    ],
  );
});

test('the wait is bounded: past waitMs the last reason is thrown; with 0 the first', async () => {
  const { logger } = recordingLogger();
  let calls = 0;
  await assert.rejects(
    waitForStartup(
      async () => {
        calls += 1;
        throw new OperationalError('no permission');
      },
      { waitMs: 0, retryMs: 10, logger },
    ),
    /no permission/,
  );
  assert.equal(calls, 1);
  const began = Date.now();
  await assert.rejects(
    waitForStartup(
      async () => {
        throw new OperationalError('still missing');
      },
      { waitMs: 60, retryMs: 20, logger },
    ),
    /still missing/,
  );
  assert.ok(Date.now() - began < 1_000);
});

test('anything but an OperationalError (a bug, bad configuration) is thrown at once, not waited on', async () => {
  const { logger, lines } = recordingLogger();
  let calls = 0;
  await assert.rejects(
    waitForStartup(
      async () => {
        calls += 1;
        throw new TypeError('undefined is not a function');
      },
      { waitMs: 5_000, retryMs: 10, logger },
    ),
    TypeError,
  );
  assert.equal(calls, 1);
  assert.equal(lines.length, 0);
});
