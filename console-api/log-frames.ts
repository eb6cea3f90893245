/**
 * Log lines gathered into WebSocket frames. A chatty container writes hundreds of lines a second; one frame per line
 * costs the browser a message event each, which is what kept the web console's main thread busy. Lines are held for
 * at most `delayMs` (or until `maxBytes` are waiting) and go out as one text frame, the lines joined by `\n` (a log
 * line never contains one: the stream is split on it). The first line after a quiet spell waits the same short delay.
 */

export interface FrameSink {
  /** Send one text frame; false when the client is gone (the batcher then drops what it holds). */
  send(frame: string): boolean;
}

export interface LogFrameOptions {
  /** Longest a line waits for company. @default 25 */
  readonly delayMs?: number;
  /** Bytes (UTF-16 code units) that make a frame go at once. @default 64 KiB */
  readonly maxBytes?: number;
}

export class LogFrames {
  private lines: string[] = [];
  private size = 0;
  private timer: NodeJS.Timeout | undefined;
  private gone = false;
  private readonly delayMs: number;
  private readonly maxBytes: number;

  constructor(
    private readonly sink: FrameSink,
    options: LogFrameOptions = {},
  ) {
    this.delayMs = options.delayMs ?? 25;
    this.maxBytes = options.maxBytes ?? 64 * 1024;
  }

  /** Queue a line; false once the client is gone, so the reader can stop. */
  push(line: string): boolean {
    if (this.gone) return false;
    this.lines.push(line);
    this.size += line.length + 1;
    if (this.size >= this.maxBytes) return this.flush();
    this.timer ??= setTimeout(() => this.flush(), this.delayMs);
    return true;
  }

  /** Send what is waiting now (before a close, so nothing queued is lost); false once the client is gone. */
  flush(): boolean {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.gone) return false;
    if (this.lines.length === 0) return true;
    const frame = this.lines.join("\n");
    this.lines = [];
    this.size = 0;
    if (!this.sink.send(frame)) this.stop();
    return !this.gone;
  }

  /** Drop whatever waits and refuse further lines. */
  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.gone = true;
    this.lines = [];
    this.size = 0;
  }
}
