/**
 * One proxied request: write the head (and stream the body) to an upstream connection, stream the response back
 * through the client's ServerResponse, then return the connection to the pool when both directions ended cleanly.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { sendPage } from "./pages.ts";
import type { BodyFraming } from "./request-head.ts";
import { type ResponseHead, ResponseParser, type ResponseSink } from "./response-parser.ts";
import type { ConnOwner, UpstreamConn, UpstreamPool } from "./upstream-pool.ts";
import { batchWrites, endAfterTurn } from "./write-batch.ts";

/** What an exchange needs from the data plane. */
export interface ExchangeHost {
  readonly pool: UpstreamPool;
  readonly maxResponseHeadBytes: number;
  /** Called exactly once per exchange, when it no longer needs its in-flight slot, with how it ended. */
  exchangeDone(clusterId: string, outcome: ExchangeOutcome): void;
}

export type ExchangeOutcome = "proxied" | "connect-failed" | "upstream-error" | "upstream-timeout" | "client-aborted";

const CRLF = "\r\n";
const IDEMPOTENT: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"]);
const LAST_CHUNK = "0\r\n\r\n";

/**
 * The exchange a request/response belongs to. Listeners are shared module-level functions that find their exchange
 * here, so a request allocates no closures.
 */
const kExchange = Symbol("skipper.exchange");
type Owned = { [kExchange]?: Exchange };

function exchangeOf(emitter: unknown): Exchange | undefined {
  return (emitter as Owned)[kExchange];
}

function onResClose(this: ServerResponse): void {
  exchangeOf(this)?.clientClosed();
}
function onResDrain(this: ServerResponse): void {
  exchangeOf(this)?.clientDrained();
}
function onReqData(this: IncomingMessage, chunk: Buffer): void {
  exchangeOf(this)?.forwardBody(chunk);
}
function onReqEnd(this: IncomingMessage): void {
  exchangeOf(this)?.bodyEnded();
}

export class Exchange implements ConnOwner, ResponseSink {
  private conn: UpstreamConn | undefined;
  private readonly parser: ResponseParser;
  private bodySent: boolean;
  private responseDone = false;
  private reusable = false;
  private finished = false;
  private retried = false;
  private wasReused = false;
  private awaitingDrain = false;

  constructor(
    private readonly host: ExchangeHost,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly clusterId: string,
    private readonly ip: string,
    private readonly port: number,
    private readonly head: string,
    private readonly framing: BodyFraming,
  ) {
    this.parser = new ResponseParser(host.maxResponseHeadBytes);
    this.bodySent = framing === "none";
  }

  start(): void {
    (this.res as Owned)[kExchange] = this;
    this.res.on("close", onResClose);
    this.dial(false);
    if (this.framing !== "none") {
      (this.req as Owned)[kExchange] = this;
      this.req.on("data", onReqData);
      this.req.on("end", onReqEnd);
    }
  }

  clientClosed(): void {
    if (!this.finished) this.abort("client-aborted");
  }

  clientDrained(): void {
    this.awaitingDrain = false;
    this.conn?.socket.resume();
  }

  private dial(fresh: boolean): void {
    this.parser.reset(this, this.req.method === "HEAD");
    const conn = this.host.pool.acquire(this.ip, this.port, this, fresh);
    this.conn = conn;
    this.wasReused = conn.reused;
    batchWrites(conn.socket);
    conn.socket.write(this.head, "latin1");
  }

  forwardBody(chunk: Buffer): void {
    const conn = this.conn;
    if (!conn || this.responseDone) return;
    const socket = conn.socket;
    batchWrites(socket);
    let ok: boolean;
    if (this.framing === "chunked") {
      if (chunk.length === 0) return;
      socket.cork();
      socket.write(`${chunk.length.toString(16)}${CRLF}`, "latin1");
      socket.write(chunk);
      ok = socket.write(CRLF, "latin1");
      socket.uncork();
    } else ok = socket.write(chunk);
    if (!ok) this.req.pause();
  }

  bodyEnded(): void {
    if (this.framing === "chunked" && this.conn && !this.responseDone) this.conn.socket.write(LAST_CHUNK, "latin1");
    this.bodySent = true;
    if (this.responseDone) this.settle();
  }

  // ConnOwner

  onData(chunk: Buffer): void {
    const error = this.parser.push(chunk);
    if (error !== undefined) this.fail(502, "upstream-error");
  }

  onClosed(_error: Error | undefined): void {
    this.conn = undefined;
    if (this.finished) return;
    const error = this.parser.finish();
    if (error === undefined && this.responseDone) return;
    // A kept-alive connection the upstream closed just as we reused it: retry once on a new connection when nothing
    // came back, the request had no body and its method is idempotent (RFC 9110 §9.2.2).
    if (
      !this.parser.started &&
      this.framing === "none" &&
      !this.retried &&
      this.wasReused &&
      IDEMPOTENT.has(this.req.method ?? "")
    ) {
      this.retried = true;
      this.dial(true);
      return;
    }
    this.fail(502, "upstream-error");
  }

  onConnectFailed(): void {
    this.conn = undefined;
    this.fail(502, "connect-failed");
  }

  onTimeout(): void {
    this.fail(504, "upstream-timeout");
  }

  onDrain(): void {
    this.req.resume();
  }

  // ResponseSink

  onHead(head: ResponseHead): void {
    if (head.status === 101) {
      this.fail(502, "upstream-error"); // switching protocols without being asked
      return;
    }
    batchWrites(this.res.socket);
    try {
      if (head.reason) this.res.writeHead(head.status, head.reason, head.headers);
      else this.res.writeHead(head.status, head.headers);
    } catch {
      this.fail(502, "upstream-error"); // a header value Node refuses to send
    }
  }

  onBody(chunk: Buffer, last: boolean): void {
    if (this.finished) return;
    if (last) {
      // Chunks point into the pool's shared read buffer: hand Node a copy it may keep.
      endAfterTurn(this.res, chunk.length > 0 ? Buffer.from(chunk) : undefined);
      return;
    }
    if (chunk.length > 0 && !this.res.write(Buffer.from(chunk)) && !this.awaitingDrain) {
      this.awaitingDrain = true;
      this.conn?.socket.pause();
      this.res.once("drain", onResDrain);
    }
  }

  onComplete(reusable: boolean): void {
    this.responseDone = true;
    this.reusable = reusable;
    if (!this.bodySent) {
      // The upstream answered before reading the whole request body: that connection can't be reused.
      this.reusable = false;
      this.req.removeListener("data", onReqData);
      this.req.removeListener("end", onReqEnd);
      this.req.resume();
    }
    this.settle();
  }

  private settle(): void {
    const conn = this.conn;
    this.conn = undefined;
    if (conn) {
      if (this.reusable) this.host.pool.release(conn);
      else conn.destroy();
    }
    this.finish("proxied");
  }

  private fail(status: number, outcome: ExchangeOutcome): void {
    if (this.finished) return;
    const conn = this.conn;
    this.conn = undefined;
    if (conn) {
      conn.owner = undefined;
      conn.destroy();
    }
    if (!this.res.headersSent) sendPage(this.res, status, undefined, !this.bodySent);
    else this.res.destroy();
    this.finish(outcome);
  }

  private abort(outcome: ExchangeOutcome): void {
    const conn = this.conn;
    this.conn = undefined;
    if (conn) {
      conn.owner = undefined;
      conn.destroy();
    }
    this.finish(outcome);
  }

  private finish(outcome: ExchangeOutcome): void {
    if (this.finished) return;
    this.finished = true;
    this.res.removeListener("close", onResClose);
    this.host.exchangeDone(this.clusterId, outcome);
  }
}
