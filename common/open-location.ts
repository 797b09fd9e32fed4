import type { Readable } from 'node:stream';
import type { Storage } from '@google-cloud/storage';
import { OperationalError } from './errors.ts';
import { openInput } from './ndjson.ts';
import { defaultStorage, parseGcsLocation } from './object-store.ts';

/**
 * A byte stream of `-` (stdin), a local file, or a GCS object `gs://bucket/path`, with one clear
 * line (OperationalError) when it cannot be opened. The object is streamed, never held whole.
 * STORAGE_EMULATOR_HOST, when set, points the GCS client elsewhere.
 */
export async function openLocation(location: string, storage: () => Storage = defaultStorage): Promise<Readable> {
  if (!location.startsWith('gs://')) return openInput(location);
  const { bucket, path } = parseGcsLocation(location);
  if (!path) throw new OperationalError(`cannot read ${location}: name an object, not a bucket`);
  const file = storage().bucket(bucket).file(path);
  let exists: boolean;
  try {
    [exists] = await file.exists();
  } catch (error) {
    throw new OperationalError(`cannot read ${location}: ${(error as Error).message}`);
  }
  if (!exists) throw new OperationalError(`cannot read ${location}: no such object`);
  return file.createReadStream();
}
