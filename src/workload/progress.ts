// A progress bar on stderr: redrawn in place when stderr is a TTY (at most every 100 ms),
// otherwise a plain line at most every `lineEveryMs` (default 5 s), so logs stay short.

export interface ProgressOptions {
  label: string;
  total: number;
  stream?: NodeJS.WriteStream;
  /** Force the mode (default: TTY detection). */
  tty?: boolean;
  lineEveryMs?: number;
  /** Print nothing at all. */
  quiet?: boolean;
}

export class Progress {
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;
  private readonly start = performance.now();
  private last = 0;
  private drawn = false;
  private readonly lineEveryMs: number;

  constructor(private readonly opts: ProgressOptions) {
    this.stream = opts.stream ?? process.stderr;
    this.tty = opts.tty ?? Boolean(this.stream.isTTY);
    this.lineEveryMs = opts.lineEveryMs ?? 5000;
  }

  update(done: number): void {
    if (this.opts.quiet) return;
    const now = performance.now();
    const every = this.tty ? 100 : this.lineEveryMs;
    if (now - this.last < every || (!this.tty && now - this.start < every)) return;
    this.last = now;
    this.draw(done, now);
  }

  finish(done: number = this.opts.total): void {
    if (this.opts.quiet || !this.drawn) return;
    this.draw(done, performance.now());
    if (this.tty) this.stream.write("\n");
  }

  /** The text of one progress line (exported for tests). */
  static format(label: string, done: number, total: number, elapsedS: number, width = 30): string {
    const f = total > 0 ? Math.min(1, done / total) : 1;
    const full = Math.round(f * width);
    const rate = elapsedS > 0 ? done / elapsedS : 0;
    const eta = rate > 0 && done < total ? ` eta ${((total - done) / rate).toFixed(1)}s` : "";
    return `${label} [${"#".repeat(full)}${"-".repeat(width - full)}] ${(f * 100).toFixed(1).padStart(5)}% ${done.toLocaleString("en-US")}/${total.toLocaleString("en-US")} ${Math.round(rate).toLocaleString("en-US")}/s${eta}`;
  }

  private draw(done: number, now: number): void {
    const line = Progress.format(this.opts.label, done, this.opts.total, (now - this.start) / 1000);
    this.stream.write(this.tty ? `\r${line}\x1b[K` : line + "\n");
    this.drawn = true;
  }
}
