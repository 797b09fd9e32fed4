import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { writeAll } from '../../common/ndjson.ts';
import type { GeneratedMessage } from '../stream.ts';
import type { MessageOutput, OutputStats } from './output.ts';

/** NDJSON: the message data, one per line (attributes are not kept; Pub/Sub output keeps them). */
export class StreamOutput implements MessageOutput {
  private published = 0;

  constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly ownsStream: boolean,
  ) {}

  static toFile(path: string): StreamOutput {
    return new StreamOutput(createWriteStream(path), true);
  }

  static toStdout(): StreamOutput {
    return new StreamOutput(process.stdout, false);
  }

  async send(message: GeneratedMessage): Promise<void> {
    await writeAll(this.stream, Buffer.concat([message.data, NEWLINE]));
    this.published += 1;
  }

  async close(): Promise<OutputStats> {
    if (this.ownsStream) {
      this.stream.end();
      await once(this.stream, 'finish');
    }
    return { published: this.published, failed: 0 };
  }

  stats() {
    return { published: this.published, failed: 0, inFlight: 0 };
  }
}

const NEWLINE = Buffer.from('\n');
