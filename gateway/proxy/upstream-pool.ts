/**
 * Keep-alive connections to upstreams, as raw TCP sockets. Each connection carries one exchange at a time; idle ones
 * wait per upstream address (most recently used first) and are closed after a while. Event listeners are attached
 * once per socket and forward to whichever exchange currently owns it, so reusing a connection costs nothing extra.
 */
import net from "node:net";

/** The exchange that currently owns a connection. */
export interface ConnOwner {
  /**
   * Bytes from the upstream. The buffer is reused for the next read of any upstream connection: copy whatever must
   * outlive this call.
   */
  onData(chunk: Buffer): void;
  /** The upstream ended, errored or closed the socket. */
  onClosed(error: Error | undefined): void;
  /** No bytes either way for the upstream idle timeout. */
  onTimeout(): void;
  onDrain(): void;
  /** Connecting failed or timed out (instead of onClosed). */
  onConnectFailed(error: Error, timedOut: boolean): void;
}

export interface PoolOptions {
  /** Give up connecting after this long (the caller answers 502). */
  readonly connectTimeoutMs: number;
  /** Inactivity on a busy connection before its owner is told (the caller answers 504 or aborts). */
  readonly activeIdleTimeoutMs: number;
  /** How long an idle keep-alive connection is kept; keep it below the upstreams' own keep-alive timeout. */
  readonly poolIdleTimeoutMs: number;
  /** Idle connections kept per upstream address. */
  readonly maxIdlePerUpstream: number;
}

/** Every upstream read goes here first; owners copy what they keep (see ConnOwner.onData). */
const SHARED_READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

export class UpstreamConn {
  owner: ConnOwner | undefined;
  /** Carried at least one earlier exchange (a failure before any response byte may then be retried). */
  reused = false;
  idleSince = 0;
  private closed = false;

  constructor(
    readonly socket: net.Socket,
    readonly key: string,
    private readonly pool: UpstreamPool,
  ) {
    socket.on("drain", () => this.owner?.onDrain());
    socket.on("timeout", () => {
      if (this.owner) this.owner.onTimeout();
      else this.destroy();
    });
    socket.on("end", () => this.gone(undefined));
    socket.on("error", (error: Error) => this.gone(error));
    socket.on("close", () => this.gone(undefined));
  }

  /** Bytes arrived in the pool's shared read buffer; they are only valid during this call. */
  received(chunk: Buffer): void {
    if (this.owner) this.owner.onData(chunk);
    else this.destroy(); // an idle connection must stay silent
  }

  destroy(): void {
    this.socket.destroy();
    this.gone(undefined);
  }

  private gone(error: Error | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    const owner = this.owner;
    this.owner = undefined;
    if (owner) owner.onClosed(error);
    else this.pool.forget(this);
  }

  get isClosed(): boolean {
    return this.closed;
  }
}

export interface PoolStats {
  connects: number;
  connectFailures: number;
  reuses: number;
  idle: number;
}

export class UpstreamPool {
  private readonly idle = new Map<string, UpstreamConn[]>();
  private idleCount = 0;
  private readonly sweeper: NodeJS.Timeout;
  readonly counters = { connects: 0, connectFailures: 0, reuses: 0 };

  constructor(private readonly options: PoolOptions) {
    this.sweeper = setInterval(() => this.sweep(), Math.min(1000, options.poolIdleTimeoutMs)).unref();
  }

  /**
   * Hand `owner` a connection to ip:port: an idle one when available (and `fresh` is false), else a new one. New
   * connections are usable at once (writes queue until connected); `owner.onConnectFailed` is called instead of
   * `owner.onClosed` when connecting fails or times out.
   */
  acquire(ip: string, port: number, owner: ConnOwner, fresh: boolean): UpstreamConn {
    const key = `${ip}:${port}`;
    if (!fresh) {
      const list = this.idle.get(key);
      const conn = list?.pop();
      if (conn) {
        this.idleCount--;
        if (list!.length === 0) this.idle.delete(key);
        conn.owner = owner;
        conn.reused = true;
        this.counters.reuses++;
        return conn;
      }
    }
    this.counters.connects++;
    // Reads land in one shared buffer and go straight to the connection, skipping the Readable stream machinery.
    let target: UpstreamConn | undefined;
    const socket = net.connect({
      host: ip,
      port,
      noDelay: true,
      onread: {
        buffer: SHARED_READ_BUFFER,
        callback: (n: number) => {
          target?.received(SHARED_READ_BUFFER.subarray(0, n));
          return true;
        },
      },
    });
    const conn = new UpstreamConn(socket, key, this);
    target = conn;
    conn.owner = owner;
    const failConnect = (error: Error, timedOut: boolean) => {
      clearTimeout(timer);
      socket.removeListener("connect", connected);
      if (conn.owner !== owner) return;
      conn.owner = undefined;
      this.counters.connectFailures++;
      conn.destroy();
      owner.onConnectFailed(error, timedOut);
    };
    const timer = setTimeout(
      () => failConnect(new Error(`connect to ${key} timed out`), true),
      this.options.connectTimeoutMs,
    );
    const onError = (error: Error) => failConnect(error, false);
    socket.prependOnceListener("error", onError);
    const connected = () => {
      clearTimeout(timer);
      socket.removeListener("error", onError);
      socket.setTimeout(this.options.activeIdleTimeoutMs);
    };
    socket.once("connect", connected);
    return conn;
  }

  /** The exchange finished cleanly: keep the connection for the next request to the same upstream. */
  release(conn: UpstreamConn): void {
    conn.owner = undefined;
    if (conn.isClosed) return;
    // The last exchange may have paused reading for a slow client just as its response completed.
    if (conn.socket.isPaused()) conn.socket.resume();
    let list = this.idle.get(conn.key);
    if (!list) {
      list = [];
      this.idle.set(conn.key, list);
    }
    if (list.length >= this.options.maxIdlePerUpstream) {
      conn.destroy();
      return;
    }
    conn.idleSince = performance.now();
    list.push(conn);
    this.idleCount++;
  }

  /** An idle connection closed on its own: drop it from its list. */
  forget(conn: UpstreamConn): void {
    const list = this.idle.get(conn.key);
    if (!list) return;
    const i = list.indexOf(conn);
    if (i === -1) return;
    list.splice(i, 1);
    this.idleCount--;
    if (list.length === 0) this.idle.delete(conn.key);
  }

  stats(): PoolStats {
    return { ...this.counters, idle: this.idleCount };
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const list of [...this.idle.values()]) for (const conn of [...list]) conn.destroy();
    this.idle.clear();
    this.idleCount = 0;
  }

  private sweep(): void {
    const oldest = performance.now() - this.options.poolIdleTimeoutMs;
    for (const [key, list] of [...this.idle.entries()]) {
      // Lists are ordered oldest first (push on release, pop on acquire).
      while (list.length > 0 && list[0]!.idleSince <= oldest) {
        const conn = list.shift()!;
        this.idleCount--;
        conn.destroy();
      }
      if (list.length === 0) this.idle.delete(key);
    }
  }
}
