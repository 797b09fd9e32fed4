import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { compileProject } from '../../batch/project.ts';
import { runCli } from '../helpers/cli.ts';

const options = { bigquery: { engine: 'bigquery', project: 'golden-project', timeZone: 'America/Sao_Paulo', asOf: '2026-01-01' } } as const;

describe('orderflow batch compile', () => {
  test('the CLI writes the files and says how many; a bad engine is one line and exit 2', async () => {
    const out = mkdtempSync(join(tmpdir(), 'orderflow-compile-'));
    const result = await runCli(['batch', 'compile', '--engine', 'bigquery', '--project', 'golden-project', '--as-of', '2026-01-01', '--out-dir', out]);
    assert.equal(result.code, 0, result.stderr.toString());
    assert.deepEqual(JSON.parse(result.stdout.toString()), { engine: 'bigquery', out, files: compileProject(options.bigquery).size });
    assert.equal(readFileSync(join(out, 'manifest.json'), 'utf8'), compileProject(options.bigquery).get('manifest.json'));
    rmSync(out, { recursive: true, force: true });
    const bad = await runCli(['batch', 'compile', '--engine', 'oracle']);
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr.toString().trim().split('\n').length, 1);
    // BigQuery SQL names a project: without --project it named a made-up `my-project`.
    const noProject = await runCli(['batch', 'compile', '--engine', 'bigquery', '--out-dir', out]);
    assert.equal(noProject.code, 2);
    assert.equal(noProject.stderr.toString().trim(), 'orderflow: --engine bigquery needs --project (see --help)');
  });
});
