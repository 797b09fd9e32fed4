import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SNAPSHOT_FILES } from '../../common/dims-files.ts';
import { runCli } from '../helpers/cli.ts';
import { startGcsStandIn } from '../helpers/gcs-stand-in.ts';

const sizes = ['--customers', '20', '--products', '15', '--sellers', '5'];

test('snapshot --dims gs://bucket/prefix uploads the four CSVs through the official GCS client', async () => {
  const gcs = await startGcsStandIn();
  try {
    const result = await runCli(['snapshot', '--dims', 'gs://orderflow-dims/daily/2026-11-20', ...sizes], { env: { STORAGE_EMULATOR_HOST: gcs.host } });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(
      gcs.objects.map((o) => `${o.bucket}/${o.name}`).sort(),
      Object.values(SNAPSHOT_FILES)
        .map((f) => `orderflow-dims/daily/2026-11-20/${f.file}`)
        .sort(),
    );
    for (const object of gcs.objects) {
      assert.equal(object.contentType, 'text/csv');
      const header = object.body.toString('utf8').split('\n')[0];
      const spec = Object.values(SNAPSHOT_FILES).find((f) => object.name.endsWith(f.file))!;
      assert.equal(header, spec.columns.join(','));
    }
    assert.match(result.stderr, /wrote gs:\/\/orderflow-dims\/daily\/2026-11-20\/olist_customers_dataset.csv \(20 rows\)/);
  } finally {
    await gcs.close();
  }
});

test('a transient GCS error is retried by the client; the snapshot still lands', async () => {
  const gcs = await startGcsStandIn({ failNext: 1 });
  try {
    const result = await runCli(['snapshot', '--dims', 'gs://orderflow-dims', ...sizes], { env: { STORAGE_EMULATOR_HOST: gcs.host } });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(gcs.objects.length, 4);
  } finally {
    await gcs.close();
  }
});

test('a GCS endpoint that refuses gives one clear line and exit 1', async () => {
  const result = await runCli(['snapshot', '--dims', 'gs://orderflow-dims', ...sizes], { env: { STORAGE_EMULATOR_HOST: 'http://127.0.0.1:9' } });
  assert.equal(result.code, 1);
  assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
  assert.match(result.stderr, /^orderflow: /);
});
