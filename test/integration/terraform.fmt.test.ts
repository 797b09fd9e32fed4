import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { TERRAFORM_DIR } from '../helpers/terraform.ts';

// No update check over the network; fmt itself needs no providers, so it runs offline.
const env = { ...process.env, CHECKPOINT_DISABLE: '1' };
const terraform = spawnSync('terraform', ['version'], { env, encoding: 'utf8' });
const missing = terraform.error ? 'terraform is not on PATH: install it to check the formatting of terraform/' : false;

test('terraform fmt finds nothing to change in terraform/', { skip: missing }, () => {
  const result = spawnSync('terraform', ['fmt', '-check', '-recursive', '-diff', TERRAFORM_DIR], { env, encoding: 'utf8' });
  assert.equal(result.status, 0, `terraform fmt wants changes:\n${result.stdout}${result.stderr}`);
});
