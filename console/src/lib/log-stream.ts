// One app's live logs over the console-api's WebSocket. The access token is offered as the second subprotocol
// (['skipper.auth', token]), never in the URL. Lines are handed over in batches (one per animation frame) so a fast
// stream costs one render per frame; a dropped connection is retried with backoff until stop() is called.
import { backoffDelay } from "./backoff";

export type StreamState =
  | { kind: "connecting"; attempt: number }
  | { kind: "open" }
  | { kind: "waiting"; attempt: number; retryAt: number; reason: string }
  | { kind: "stopped" };

type SocketLike = Pick<WebSocket, "close" | "readyState"> & {
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
  protocol: string;
};

export interface LogStreamOptions {
  /** The URL to connect to; `reconnect` is true after lines were received, so the caller can ask for a short tail. */
  url(reconnect: boolean): string;
  token(): string | null;
  /** Renew the access token (a refused upgrade is most often an expired token). */
  refresh(): Promise<boolean>;
  onLines(lines: string[]): void;
  onState(state: StreamState): void;
  /** Called with a marker before lines of a new connection after a drop. */
  onReconnected?(): void;
  WebSocket?: new (url: string, protocols: string[]) => SocketLike;
  /** Schedules a batch flush (requestAnimationFrame in the browser). */
  frame?: (callback: () => void) => void;
  random?: () => number;
}

export class LogStream {
  private socket: SocketLike | null = null;
  private pending: string[] = [];
  private flushQueued = false;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private received = false;
  private stopped = false;

  constructor(private readonly options: LogStreamOptions) {}

  start(): void {
    this.stopped = false;
    this.connect();
  }

  /** Connect again now (the "Retry now" button), forgetting the backoff. */
  retryNow(): void {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.attempt = 0;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onclose = null;
      socket.onmessage = null;
      socket.onerror = null;
      socket.close(1000, "closed by the console");
    }
    this.flush();
    this.options.onState({ kind: "stopped" });
  }

  private connect(): void {
    const token = this.options.token();
    const Socket = this.options.WebSocket ?? (globalThis.WebSocket as unknown as LogStreamOptions["WebSocket"])!;
    this.options.onState({ kind: "connecting", attempt: this.attempt });
    if (!token) {
      this.scheduleRetry("signed out");
      return;
    }
    const reconnect = this.received;
    let opened = false;
    let socket: SocketLike;
    try {
      socket = new Socket(this.options.url(reconnect), ["skipper.auth", token]);
    } catch (error) {
      this.scheduleRetry((error as Error).message);
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      opened = true;
      this.attempt = 0;
      if (reconnect) this.options.onReconnected?.();
      this.options.onState({ kind: "open" });
    };
    socket.onmessage = (event) => {
      if (typeof event.data !== "string") return;
      this.received = true;
      // A frame holds one or more lines joined by "\n" (the console-api gathers lines that arrive together).
      const text = event.data.endsWith("\n") ? event.data.slice(0, -1) : event.data;
      if (text.includes("\n")) for (const line of text.split("\n")) this.pending.push(line);
      else this.pending.push(text);
      this.queueFlush();
    };
    socket.onerror = () => {
      // onclose follows with the details.
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.flush();
      if (this.stopped) return;
      if (!opened) {
        // Refused at the upgrade or unreachable: renew the token before the next try.
        void this.options.refresh().finally(() => this.scheduleRetry("the console-api refused or did not answer"));
        return;
      }
      this.scheduleRetry(
        event.code === 1000
          ? event.reason || "the stream ended (the pod went away?)"
          : `connection lost (${event.code})`,
      );
    };
  }

  private scheduleRetry(reason: string): void {
    if (this.stopped) return;
    const delay = backoffDelay(this.attempt, { random: this.options.random });
    const attempt = ++this.attempt;
    this.options.onState({ kind: "waiting", attempt, retryAt: Date.now() + delay, reason });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  private queueFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    const frame =
      this.options.frame ??
      (typeof requestAnimationFrame === "function"
        ? (callback: () => void) => requestAnimationFrame(() => callback())
        : (callback: () => void) => setTimeout(callback, 16));
    frame(() => this.flush());
  }

  private flush(): void {
    this.flushQueued = false;
    if (this.pending.length === 0) return;
    const lines = this.pending;
    this.pending = [];
    this.options.onLines(lines);
  }
}
