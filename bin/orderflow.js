#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's loader, so `npx orderflow` works right after `npm ci`
// with no build step and the same sources the tests exercise.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
