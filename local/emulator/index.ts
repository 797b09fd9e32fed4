// The emulator's public surface: start one in-process, or configure its faults.
export { startEmulator, type EmulatorOptions, type RunningEmulator } from './server.ts';
export { type FaultOptions, NO_FAULTS } from './faults.ts';
