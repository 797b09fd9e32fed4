import { fileURLToPath } from 'node:url';

/** The CLI's entry, for running `orderflow` as a child process (local stack, benches, tests). */
export const ORDERFLOW_BIN = fileURLToPath(new URL('../bin/orderflow.js', import.meta.url));
