import { OperationalError } from './errors.ts';

/** How long a command waits for Pub/Sub's first answer before saying it cannot reach it (a busy machine can take seconds). */
export const PUBSUB_REACH_TIMEOUT_MS = 10_000;

const NOT_FOUND = 5;
const PERMISSION_DENIED = 7;
const UNAUTHENTICATED = 16;

/** Where the Pub/Sub clients of this process go, as the person can check it. */
export function pubsubTarget(projectId: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.PUBSUB_EMULATOR_HOST ? `the Pub/Sub emulator at ${env.PUBSUB_EMULATOR_HOST} (PUBSUB_EMULATOR_HOST)` : `Pub/Sub in project ${projectId}`;
}

function advice(env: NodeJS.ProcessEnv): string {
  return env.PUBSUB_EMULATOR_HOST
    ? 'start one (orderflow emulator --emulator-port 8085) or fix PUBSUB_EMULATOR_HOST'
    : 'for a local emulator: export PUBSUB_EMULATOR_HOST=127.0.0.1:8085; for Google Cloud: gcloud auth application-default login';
}

/**
 * The first call a command makes to Pub/Sub, bounded: a wrong emulator address or missing
 * credentials become one line that says what was tried and what to do, within `timeoutMs`, instead
 * of a hang or a stack trace. `resource` names what the call was about (topic orders). A
 * PERMISSION_DENIED is returned as `undefined`: publisher and subscriber roles cannot read
 * metadata, so it says nothing about reachability. NOT_FOUND is for the caller to answer.
 */
export async function firstPubSubCall<T>(
  projectId: string,
  resource: string,
  call: () => Promise<T>,
  timeoutMs = PUBSUB_REACH_TIMEOUT_MS,
  env: NodeJS.ProcessEnv = process.env,
): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new OperationalError(`no answer from ${pubsubTarget(projectId, env)} about ${resource} within ${timeoutMs / 1000} s: ${advice(env)}`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([call(), timeout]);
  } catch (error) {
    if (error instanceof OperationalError) throw error;
    const code = (error as { code?: number }).code;
    if (code === PERMISSION_DENIED) return undefined;
    if (code === NOT_FOUND) throw error;
    const message = (error as Error).message;
    const credentials = code === UNAUTHENTICATED || /default credentials|credential/i.test(message);
    throw new OperationalError(
      `cannot reach ${pubsubTarget(projectId, env)} about ${resource}: ${credentials ? 'no usable Google credentials' : message.split('\n')[0]}; ${advice(env)}`,
    );
  } finally {
    clearTimeout(timer);
  }
}
