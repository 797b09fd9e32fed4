/**
 * A live progress line on a terminal (rewritten in place), or nothing when stderr is not a TTY
 * (logs and CI get the final summary instead).
 */
export class ProgressLine {
  private timer: NodeJS.Timeout | undefined;
  private readonly tty: boolean;

  constructor(
    private readonly render: () => string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    intervalMs = 500,
  ) {
    this.tty = Boolean(stream.isTTY);
    if (this.tty) this.timer = setInterval(() => this.draw(), intervalMs).unref();
  }

  private draw(): void {
    this.stream.write(`\r\x1b[2K${this.render()}`);
  }

  stop(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.draw();
    this.stream.write('\n');
    this.timer = undefined;
  }
}
