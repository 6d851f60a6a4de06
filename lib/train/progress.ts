// A progress line for training loops on stderr. On a terminal it redraws one line in place
// (throttled to ~10 per second) and clears it when done, so the summaries printed on stdout
// stay clean; elsewhere (pipes, CI logs) it prints a plain line every few seconds instead of
// carriage-return noise.

/** Options of {@link ProgressBar}. */
export interface ProgressOptions {
  /** Where to write (default process.stderr). */
  stream?: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  /** Draw as on a terminal; default: whether the stream is one. */
  tty?: boolean;
  /** Milliseconds between updates (default 100 on a terminal, 5000 otherwise). */
  interval?: number;
}

const clock = (seconds: number): string => {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

/** Progress through `total` steps (a known count, or undefined when the length is unknown). */
export class ProgressBar {
  private readonly stream: NonNullable<ProgressOptions['stream']>;
  private readonly tty: boolean;
  private readonly interval: number;
  private readonly start = performance.now();
  private last = -Infinity;
  private drawn = false;

  constructor(
    private readonly label: string,
    private readonly total: number | undefined,
    options: ProgressOptions = {},
  ) {
    this.stream = options.stream ?? process.stderr;
    this.tty = options.tty ?? this.stream.isTTY === true;
    this.interval = options.interval ?? (this.tty ? 100 : 5000);
  }

  /** Reports `done` steps and a status such as "loss 0.2312"; draws when the interval has passed. */
  update(done: number, status = ''): void {
    const now = performance.now();
    if (now - this.last < this.interval) return;
    // The first plain line waits one interval: short epochs print nothing but their summary.
    if (!this.tty && this.last === -Infinity) {
      this.last = now;
      return;
    }
    this.last = now;
    const elapsed = (now - this.start) / 1000;
    const count = this.total === undefined ? `${done}` : `${done}/${this.total}`;
    const eta = this.total !== undefined && done > 0 ? ` ${clock(elapsed)}<${clock((elapsed * (this.total - done)) / done)}` : ` ${clock(elapsed)}`;
    if (this.tty) {
      // The bar takes what the terminal width leaves (at most 24 cells); the text is never cut
      // unless even that does not fit.
      const columns = this.stream.columns ?? 100;
      const text = `${count}${eta} ${status}`.trimEnd();
      const room = columns - 1 - this.label.length - text.length - 4;
      const bar = this.total === undefined || room < 5 ? '' : ` ${this.bar(done / this.total, Math.min(24, room))}`;
      const line = `${this.label}${bar} ${text}`.slice(0, columns - 1);
      this.stream.write(`\r${line}\x1b[K`);
      this.drawn = true;
    } else {
      const percent = this.total === undefined ? '' : ` (${Math.floor((100 * done) / this.total)}%)`;
      this.stream.write(`${this.label}: ${count}${percent}${eta} ${status}`.trimEnd() + '\n');
    }
  }

  /** Ends the bar: on a terminal, erases the line. */
  finish(): void {
    if (this.tty && this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }

  private bar(fraction: number, width: number): string {
    const filled = Math.min(width, Math.floor(fraction * width));
    return `[${'='.repeat(filled)}${filled < width ? '>' : ''}${' '.repeat(Math.max(0, width - filled - 1))}]`;
  }
}
