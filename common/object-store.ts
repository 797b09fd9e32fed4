import { createReadStream } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { IdempotencyStrategy, Storage } from '@google-cloud/storage';
import { UsageError } from './errors.ts';

/** Where dims snapshots and audit reports live: a local directory or a GCS prefix. */
export interface ObjectStore {
  /** A human-readable location, e.g. gs://bucket/prefix/name or ./dims/name. */
  describe(name: string): string;
  put(name: string, content: string | Buffer, contentType: string): Promise<void>;
  /** The object's bytes; rejects when it does not exist. */
  get(name: string): Promise<Buffer>;
  /** The object's bytes as a stream, for objects too large to hold (a missing one errors the stream). */
  read(name: string): Readable;
  /** Whether the object is there (rejects only when the store cannot be asked). */
  exists(name: string): Promise<boolean>;
}

export class DirectoryStore implements ObjectStore {
  constructor(private readonly root: string) {}

  describe(name: string): string {
    return join(this.root, name);
  }

  async put(name: string, content: string | Buffer): Promise<void> {
    const path = this.describe(name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
  }

  async get(name: string): Promise<Buffer> {
    return readFile(this.describe(name));
  }

  read(name: string): Readable {
    return createReadStream(this.describe(name));
  }

  async exists(name: string): Promise<boolean> {
    return stat(this.describe(name)).then(
      (info) => info.isFile(),
      () => false,
    );
  }
}

export class GcsStore implements ObjectStore {
  constructor(
    private readonly storage: Storage,
    private readonly bucket: string,
    private readonly prefix: string,
  ) {}

  describe(name: string): string {
    return `gs://${this.bucket}/${this.key(name)}`;
  }

  private key(name: string): string {
    return this.prefix ? `${this.prefix}/${name}` : name;
  }

  async put(name: string, content: string | Buffer, contentType: string): Promise<void> {
    // One request per object: snapshots and reports are small, and a resumable session costs a round trip more.
    await this.storage.bucket(this.bucket).file(this.key(name)).save(content, { resumable: false, contentType });
  }

  async get(name: string): Promise<Buffer> {
    const [content] = await this.storage.bucket(this.bucket).file(this.key(name)).download();
    return content;
  }

  read(name: string): Readable {
    return this.storage.bucket(this.bucket).file(this.key(name)).createReadStream();
  }

  async exists(name: string): Promise<boolean> {
    const [found] = await this.storage.bucket(this.bucket).file(this.key(name)).exists();
    return found;
  }
}

/** `gs://bucket/prefix` or a directory path. STORAGE_EMULATOR_HOST, when set, points the GCS client elsewhere. */
export function openObjectStore(location: string, storage: () => Storage = defaultStorage): ObjectStore {
  if (!location.startsWith('gs://')) return new DirectoryStore(location);
  const { bucket, path } = parseGcsLocation(location);
  return new GcsStore(storage(), bucket, path);
}

/** gs://bucket/path -> bucket and path ('' for the bucket itself, no trailing slash); a UsageError otherwise. */
export function parseGcsLocation(location: string): { bucket: string; path: string } {
  const match = /^gs:\/\/([a-z0-9][a-z0-9._-]{1,220}[a-z0-9])(?:\/(.*?))?\/?$/.exec(location);
  if (!match) throw new UsageError(`not a GCS location: ${location} (expected gs://bucket or gs://bucket/prefix)`);
  return { bucket: match[1]!, path: match[2] ?? '' };
}

// The client retries uploads only with preconditions by default; ours rewrite a whole object with
// the same content for the same name (a snapshot, a run's report), so a retry is always safe.
export const defaultStorage = () => new Storage({ retryOptions: { autoRetry: true, maxRetries: 4, idempotencyStrategy: IdempotencyStrategy.RetryAlways } });
