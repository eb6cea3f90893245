/**
 * A small incremental parser for HTTP/1.x responses read from an upstream socket. It finds the head, filters
 * hop-by-hop headers, and frames the body (Content-Length, chunked, or until the connection closes) so the socket can
 * be reused for the next request. Bodies are handed on as they arrive, never collected.
 *
 * It is strict where a lenient reading would let an upstream desynchronise the connection or make the gateway
 * work without end: Content-Length together with Transfer-Encoding, a repeated Content-Length, bare LF line ends in
 * the framing, control characters in header values and malformed trailers are refused; the head, each chunk-size and
 * trailer line, the number of trailer lines and the number of interim (1xx) responses are bounded. A refusal ends
 * the exchange (the caller answers 502 and closes the upstream connection). test/gateway/proxy-response-differential
 * holds its verdicts against Node's own parser, llhttp.
 */
import { connectionTokens, isHopByHop } from "./hop-headers.ts";

export type ResponseFraming = "none" | "length" | "chunked" | "close";

export interface ResponseHead {
  readonly status: number;
  readonly reason: string;
  /** Flat [name, value, name, value, ...] list with hop-by-hop headers removed. */
  readonly headers: string[];
  readonly framing: ResponseFraming;
}

export interface ResponseSink {
  /** The final response head (interim 1xx other than 101 are skipped). */
  onHead(head: ResponseHead): void;
  /** Body bytes; `last` when they complete the body. After a 101 head, every following byte is tunnel data. */
  onBody(chunk: Buffer, last: boolean): void;
  /** The response is complete; `reusable` when the connection may carry another request. */
  onComplete(reusable: boolean): void;
}

enum State {
  Head,
  Length,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
  Close,
  Tunnel,
  Done,
}

const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9][0-9]{2})(?: ([^\r\n]*))?$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Longest chunk-size line or trailer line, in bytes (CRLF not counted). */
export const MAX_LINE = 4096;
/** Most trailer fields after the last chunk. */
export const MAX_TRAILERS = 32;
/** Most interim responses (100 Continue, 103 Early Hints, ...) before the final one. */
export const MAX_INTERIM = 8;
const CHUNK_SIZE = /^([0-9a-fA-F]{1,12})(;.*)?$/;
const EMPTY = Buffer.alloc(0);

export class ResponseParser {
  private sink: ResponseSink | undefined;
  private state = State.Done;
  private pending: Buffer | undefined;
  private remaining = 0;
  private line = "";
  private keepAlive = false;
  private noBody = false;
  private interim = 0;
  private trailers = 0;

  constructor(private readonly maxHeadBytes: number) {}

  /** Start reading a new response. `noBody` for responses to HEAD requests. */
  reset(sink: ResponseSink, noBody: boolean): void {
    this.sink = sink;
    this.noBody = noBody;
    this.state = State.Head;
    this.pending = undefined;
    this.remaining = 0;
    this.line = "";
    this.keepAlive = false;
    this.interim = 0;
    this.trailers = 0;
  }

  /** True once any response byte was seen (used to decide whether a failed request may be retried). */
  get started(): boolean {
    return this.state !== State.Head || this.pending !== undefined;
  }

  /** Feed bytes from the upstream; returns an error description when the response is malformed. */
  push(buf: Buffer): string | undefined {
    let offset = 0;
    while (offset < buf.length) {
      switch (this.state) {
        case State.Head: {
          const r = this.readHead(buf, offset);
          if (typeof r === "string") return r;
          if (r < 0) return undefined; // need more bytes
          offset = r;
          if ((this.state as State) === State.Done) {
            // A response without a body (HEAD, 204, 304, Content-Length: 0) ends with its head.
            this.sink!.onBody(EMPTY, true);
            this.complete(offset < buf.length);
            return undefined;
          }
          break;
        }
        case State.Length: {
          const n = Math.min(this.remaining, buf.length - offset);
          this.remaining -= n;
          const last = this.remaining === 0;
          this.sink!.onBody(offset === 0 && n === buf.length ? buf : buf.subarray(offset, offset + n), last);
          offset += n;
          if (last) this.complete(offset < buf.length);
          break;
        }
        case State.ChunkSize: {
          const r = this.readChunkSize(buf, offset);
          if (typeof r === "string") return r;
          offset = r;
          break;
        }
        case State.ChunkData: {
          const n = Math.min(this.remaining, buf.length - offset);
          this.remaining -= n;
          this.sink!.onBody(buf.subarray(offset, offset + n), false);
          offset += n;
          if (this.remaining === 0) {
            this.state = State.ChunkDataEnd;
            this.line = "";
          }
          break;
        }
        case State.ChunkDataEnd: {
          const r = this.readLine(buf, offset);
          if (typeof r === "string") return r;
          if (r < 0) return undefined;
          if (this.line !== "") return "chunk data is not followed by CRLF";
          this.line = "";
          this.state = State.ChunkSize;
          offset = r;
          break;
        }
        case State.Trailers: {
          const r = this.readLine(buf, offset);
          if (typeof r === "string") return r;
          if (r < 0) return undefined;
          offset = r;
          if (this.line === "") {
            this.sink!.onBody(EMPTY, true);
            this.complete(offset < buf.length);
          } else {
            if (++this.trailers > MAX_TRAILERS) return `upstream sent more than ${MAX_TRAILERS} trailer fields`;
            const error = fieldLineProblem(this.line, 0, this.line.length);
            if (error) return `${error} (trailer)`;
          }
          this.line = "";
          break;
        }
        case State.Close:
        case State.Tunnel:
          this.sink!.onBody(offset === 0 ? buf : buf.subarray(offset), false);
          return undefined;
        case State.Done:
          return undefined; // bytes after a complete response: the socket is not reused (see complete())
      }
    }
    return undefined;
  }

  /** The upstream closed its side. Completes a close-delimited body; anything else is an error. */
  finish(): string | undefined {
    if (this.state === State.Close) {
      this.sink!.onBody(EMPTY, true);
      this.state = State.Done;
      this.sink!.onComplete(false);
      return undefined;
    }
    if (this.state === State.Done || this.state === State.Tunnel) return undefined;
    return this.state === State.Head
      ? "upstream closed the connection before responding"
      : "upstream response was cut short";
  }

  private complete(extraBytes: boolean): void {
    this.state = State.Done;
    this.sink!.onComplete(this.keepAlive && !extraBytes);
  }

  /** Returns the offset after the head, -1 when more bytes are needed, or an error. */
  private readHead(buf: Buffer, offset: number): number | string {
    let data = offset === 0 ? buf : buf.subarray(offset);
    const prior = this.pending;
    if (prior) data = Buffer.concat([prior, data]);
    const end = data.indexOf("\r\n\r\n", Math.max(0, (prior?.length ?? 0) - 3), "latin1");
    if (end === -1) {
      if (data.length > this.maxHeadBytes) return "upstream response head is too large";
      this.pending = prior ? data : Buffer.from(data); // a concat is already a copy; the input may be reused
      return -1;
    }
    if (end > this.maxHeadBytes) return "upstream response head is too large";
    this.pending = undefined;
    const consumedFromBuf = end + 4 - (prior?.length ?? 0);
    const next = offset + consumedFromBuf;
    const error = this.parseHead(data.toString("latin1", 0, end));
    if (error) return error;
    return next;
  }

  private parseHead(text: string): string | undefined {
    let eol = text.indexOf("\r\n");
    if (eol === -1) eol = text.length;
    const m = STATUS_LINE.exec(text.slice(0, eol));
    if (!m) return "upstream sent a malformed status line";
    const http11 = m[1] === "1";
    const status = Number(m[2]);
    const raw: string[] = [];
    let connection: string[] | undefined;
    let contentLength: string | undefined;
    let transferEncoding: string | undefined;
    let start = eol + 2;
    while (start < text.length) {
      let end = text.indexOf("\r\n", start);
      if (end === -1) end = text.length;
      const problem = fieldLineProblem(text, start, end);
      if (problem) return problem;
      const colon = text.indexOf(":", start);
      const name = text.slice(start, colon);
      const value = text.slice(colon + 1, end).trim();
      start = end + 2;
      const lower = name.toLowerCase();
      if (lower === "connection") {
        connection ??= [];
        connection.push(value);
      } else if (lower === "content-length") {
        if (!/^[0-9]{1,15}$/.test(value)) return "upstream sent an invalid Content-Length";
        // Even an identical repeat is refused: a peer that sends two may mean either (nginx and llhttp refuse too).
        if (contentLength !== undefined) return "upstream sent Content-Length twice";
        contentLength = value;
      } else if (lower === "transfer-encoding")
        transferEncoding = transferEncoding ? `${transferEncoding}, ${value}` : value;
      raw.push(name, value);
    }
    if (contentLength !== undefined && transferEncoding !== undefined) {
      // RFC 9112 §6.1: a server must not send both; which one frames the body is the classic smuggling question.
      return "upstream sent both Content-Length and Transfer-Encoding";
    }
    if (status >= 100 && status < 200 && status !== 101) {
      // Interim response (100 Continue, 103 Early Hints): wait for the real one, but not for ever.
      if (++this.interim > MAX_INTERIM) return `upstream sent more than ${MAX_INTERIM} interim (1xx) responses`;
      this.state = State.Head;
      return undefined;
    }
    const tokens =
      connection === undefined || (connection.length === 1 && connection[0]!.toLowerCase() === "keep-alive")
        ? undefined
        : connectionTokens(connection);
    const headers: string[] = [];
    for (let i = 0; i < raw.length; i += 2) {
      const lower = raw[i]!.toLowerCase();
      if (isHopByHop(lower) && !(status === 101 && (lower === "upgrade" || lower === "connection"))) continue;
      if (tokens?.has(lower) && status !== 101) continue;
      headers.push(raw[i]!, raw[i + 1]!);
    }
    this.keepAlive = http11 && !tokens?.has("close");
    let framing: ResponseFraming;
    if (status === 101) {
      framing = "none";
      this.state = State.Tunnel;
      this.keepAlive = false;
    } else if (this.noBody || status === 204 || status === 304) {
      framing = "none";
    } else if (transferEncoding !== undefined) {
      const codings = transferEncoding.toLowerCase().split(",");
      framing = codings[codings.length - 1]!.trim() === "chunked" ? "chunked" : "close";
    } else if (contentLength !== undefined) {
      framing = "length";
      this.remaining = Number(contentLength);
    } else framing = "close";
    if (framing === "close") this.keepAlive = false;
    this.sink!.onHead({ status, reason: m[3] ?? "", headers, framing });
    if (this.state === State.Tunnel) return undefined;
    if (framing === "none" || (framing === "length" && this.remaining === 0)) {
      this.state = State.Done; // push() completes it
      return undefined;
    }
    this.state = framing === "length" ? State.Length : framing === "chunked" ? State.ChunkSize : State.Close;
    this.line = "";
    return undefined;
  }

  private readChunkSize(buf: Buffer, offset: number): number | string {
    const r = this.readLine(buf, offset);
    if (typeof r === "string") return r;
    if (r < 0) return buf.length;
    const m = CHUNK_SIZE.exec(this.line);
    if (!m || hasControl(this.line)) return "upstream sent an invalid chunk size";
    const size = Number.parseInt(m[1]!, 16);
    this.line = "";
    if (size === 0) this.state = State.Trailers;
    else {
      this.remaining = size;
      this.state = State.ChunkData;
    }
    return r;
  }

  /**
   * Accumulate into `this.line` up to CRLF; returns the offset after it, -1 when the line is incomplete, or an error
   * for a line longer than MAX_LINE or one that ends in a bare LF.
   */
  private readLine(buf: Buffer, offset: number): number | string {
    const lf = buf.indexOf(10, offset);
    const end = lf === -1 ? buf.length : lf;
    if (this.line.length + (end - offset) > MAX_LINE + 1) return `upstream sent a line longer than ${MAX_LINE} bytes`;
    this.line += buf.toString("latin1", offset, end);
    if (lf === -1) return -1;
    if (!this.line.endsWith("\r")) return "upstream ended a line with a bare LF";
    this.line = this.line.slice(0, -1);
    if (this.line.length > MAX_LINE) return `upstream sent a line longer than ${MAX_LINE} bytes`;
    return lf + 1;
  }
}

/** Why `text[start, end)` is not a field line (`name: value`), or undefined when it is one. */
function fieldLineProblem(text: string, start: number, end: number): string | undefined {
  const colon = text.indexOf(":", start);
  if (colon <= start || colon >= end) return "upstream sent a malformed header line";
  if (!TOKEN.test(text.slice(start, colon))) return "upstream sent an invalid header name";
  if (hasControl(text.slice(colon + 1, end))) return "upstream sent an invalid header value";
  return undefined;
}

/** True when `text` holds a control character other than HTAB (not allowed in a field value or chunk extension). */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return true;
  }
  return false;
}
