import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import type { Storage } from '@google-cloud/storage';
import { DirectoryStore, openObjectStore } from '../../common/object-store.ts';
import { tempDir } from '../helpers/temp-dir.ts';

test('DirectoryStore.get returns what put wrote and rejects a missing object', async () => {
  const dir = tempDir('store');
  try {
    const store = new DirectoryStore(dir);
    await store.put('a/b.csv', 'x,y\n1,2\n');
    assert.equal((await store.get('a/b.csv')).toString(), 'x,y\n1,2\n');
    await assert.rejects(store.get('missing.csv'), /ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('GcsStore.get downloads bucket/prefix/name', async () => {
  const asked: string[] = [];
  const storage = {
    bucket: (bucket: string) => ({
      file: (key: string) => ({
        download: async () => {
          asked.push(`${bucket}/${key}`);
          return [Buffer.from('content')];
        },
      }),
    }),
  } as unknown as Storage;
  const store = openObjectStore('gs://my-bucket/dims/2026-11-20', () => storage);
  assert.equal((await store.get('olist_sellers_dataset.csv')).toString(), 'content');
  assert.deepEqual(asked, ['my-bucket/dims/2026-11-20/olist_sellers_dataset.csv']);
});
