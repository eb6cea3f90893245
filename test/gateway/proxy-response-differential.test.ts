/**
 * Differential test of the upstream response parser against Node's own HTTP parser (llhttp): the same byte streams,
 * split at the same random points, go to `ResponseParser` directly and, over a real TCP connection on 127.0.0.1, to
 * a `node:http` client. Both must reach the same verdict (a complete response, or a refusal / cut-short answer), and
 * when both accept, the same status and body.
 *
 * The streams come from a grammar of responses (interim 1xx, status lines, headers, Content-Length / chunked /
 * close-delimited bodies, chunk extensions, trailers) with seeded flaws that parsers disagree on when they are lax:
 * Content-Length with Transfer-Encoding, repeated or malformed Content-Length, bad header names and values, obs-fold,
 * bare LF, malformed chunk sizes, chunk data without CRLF, malformed trailers, bodies cut short. Bytes after a
 * complete response are not generated: llhttp reads them as the next response, the gateway drops the connection.
 *
 * Bounded: SKIPPER_FUZZ_CASES cases (default 300) or 20 s, whichever ends first. The seed is printed; replay with
 * SKIPPER_SEED=<seed>.
 */
import assert from "node:assert/strict";
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { test } from "node:test";
import { ResponseParser } from "../../gateway/proxy/response-parser.ts";
import { type SeededRandom, seededRandom } from "./seeded-random.ts";

const CASES = Number(process.env["SKIPPER_FUZZ_CASES"] ?? 300);
const TIME_BUDGET_MS = 20_000;

interface Verdict {
  readonly accepted: boolean;
  readonly status?: number;
  readonly body?: string;
  /** Why it was refused (for the failure message only). */
  readonly why?: string;
}

interface Case {
  readonly bytes: Buffer;
  readonly cuts: readonly number[];
  readonly flaw: string;
}

const FLAWS = [
  "none",
  "cl+te",
  "cl-twice",
  "cl-invalid",
  "bad-header-name",
  "ctl-in-value",
  "cr-in-value",
  "bare-lf-header",
  "obs-fold",
  "chunk-size-invalid",
  "chunk-bare-lf",
  "chunk-data-no-crlf",
  "bad-trailer",
  "short-body",
  "truncate",
] as const;
type Flaw = (typeof FLAWS)[number];

const VALUE_CHARS =
  "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 \t!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

function valueText(r: SeededRandom): string {
  let v = "";
  for (let i = r.below(20); i > 0; i--) v += VALUE_CHARS[r.below(VALUE_CHARS.length)];
  return v.trim() === "" ? "v" : `${VALUE_CHARS[r.below(52)]}${v}`;
}

function randomBody(r: SeededRandom): Buffer {
  const body = Buffer.alloc(r.below(4) === 0 ? 0 : r.below(2000));
  for (let i = 0; i < body.length; i++) body[i] = r.below(256);
  return body;
}

/** One response as bytes, with at most one flaw. */
function generate(r: SeededRandom): Case {
  const flaw: Flaw = r.next() < 0.35 ? "none" : FLAWS[r.below(FLAWS.length)]!;
  const out: string[] = [];
  for (let i = r.below(4) === 0 ? 1 + r.below(3) : 0; i > 0; i--) {
    out.push(r.next() < 0.5 ? "HTTP/1.1 100 Continue\r\n\r\n" : "HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n");
  }
  const version = r.next() < 0.85 ? "1.1" : "1.0";
  const status = r.pick([200, 200, 201, 404, 500, 204, 304])!;
  const reason = r.pick([" OK", "", " ", " Some Reason"])!;
  const headers: string[] = [];
  for (let i = r.below(4); i > 0; i--)
    headers.push(`${r.pick(["X-A", "Server", "content-type", "Set-Cookie"])}: ${valueText(r)}`);
  const bodyless = status === 204 || status === 304;
  const framing = bodyless ? "none" : r.pick(["length", "length", "chunked", "chunked", "close", "gzip-chunked"])!;
  const body = bodyless ? Buffer.alloc(0) : randomBody(r);
  let bodyBytes: Buffer = body;
  if (framing === "length")
    headers.push(`Content-Length: ${body.length + (flaw === "short-body" ? 1 + r.below(5) : 0)}`);
  if (framing === "chunked" || framing === "gzip-chunked") {
    headers.push(`Transfer-Encoding: ${framing === "chunked" ? "chunked" : "gzip, chunked"}`);
    bodyBytes = chunked(r, body, flaw);
  }
  if (bodyless && r.next() < 0.5) headers.push("Content-Length: 5");
  if (r.next() < 0.3) headers.push(r.pick(["Connection: close", "Connection: keep-alive"])!);
  switch (flaw) {
    case "cl+te":
      headers.push(framing === "length" ? "Transfer-Encoding: chunked" : `Content-Length: ${bodyBytes.length}`);
      break;
    case "cl-twice":
      headers.push(`Content-Length: ${body.length}`, `Content-Length: ${body.length}`);
      break;
    case "cl-invalid":
      headers.push(`Content-Length: ${r.pick(["+1", "-1", "1, 1", "0x10", "1 1", ""])}`);
      break;
    case "bad-header-name":
      headers.push(`${r.pick(["Bad Name", "X(y)", "X ", "Über"])}: v`);
      break;
    case "ctl-in-value":
      headers.push(`X-C: a${String.fromCharCode(r.pick([0, 1, 8, 11, 31, 127])!)}b`);
      break;
    case "cr-in-value":
      headers.push("X-C: a\rb");
      break;
    case "obs-fold":
      headers.push(`X-F: a\r\n${r.pick([" ", "\t"])}folded`);
      break;
  }
  // Shuffle the header lines so the flaw is not always last.
  for (let i = headers.length - 1; i > 0; i--) {
    const j = r.below(i + 1);
    [headers[i], headers[j]] = [headers[j]!, headers[i]!];
  }
  let head = `HTTP/${version} ${status}${reason}\r\n${headers.map((h) => `${h}\r\n`).join("")}\r\n`;
  if (flaw === "bare-lf-header" && headers.length > 0) head = head.replace(/\r\n(?=.)/, "\n");
  out.push(head);
  let bytes = Buffer.concat([Buffer.from(out.join(""), "latin1"), bodyBytes]);
  if (flaw === "truncate") bytes = bytes.subarray(0, r.below(bytes.length));
  const cuts = Array.from({ length: r.below(7) }, () => r.below(bytes.length + 1)).sort((a, b) => a - b);
  return { bytes, cuts, flaw };
}

function chunked(r: SeededRandom, body: Buffer, flaw: Flaw): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  while (at < body.length) {
    const n = Math.min(body.length - at, 1 + r.below(800));
    let size = n.toString(16);
    if (r.next() < 0.3) size = size.toUpperCase();
    if (r.next() < 0.2) size = `0${size}`;
    const ext = r.pick(["", "", ";a=b", ";flag", ";n=v;m"])!;
    const lineEnd = flaw === "chunk-bare-lf" && r.next() < 0.5 ? "\n" : "\r\n";
    parts.push(Buffer.from(`${size}${ext}${lineEnd}`), body.subarray(at, at + n));
    parts.push(Buffer.from(flaw === "chunk-data-no-crlf" && r.next() < 0.5 ? "XX" : "\r\n"));
    at += n;
  }
  if (flaw === "chunk-size-invalid") parts.push(Buffer.from(`${r.pick(["zz", "1 ", " 1", "-1", "1;a\x01"])}\r\n`));
  const trailers: string[] = [];
  for (let i = r.below(3); i > 0; i--) trailers.push(`X-T${i}: ${valueText(r)}\r\n`);
  if (flaw === "bad-trailer") trailers.push(r.pick(["bad trailer\r\n", "X: a\x01\r\n", "no-colon\r\n"])!);
  parts.push(Buffer.from(`0${flaw === "chunk-bare-lf" ? "\n" : "\r\n"}${trailers.join("")}\r\n`, "latin1"));
  return Buffer.concat(parts);
}

function pieces(c: Case): Buffer[] {
  const out: Buffer[] = [];
  let from = 0;
  for (const cut of [...c.cuts, c.bytes.length]) {
    if (cut > from) out.push(c.bytes.subarray(from, cut));
    from = Math.max(from, cut);
  }
  return out;
}

/** The gateway's parser: complete (and nothing refused) or not. */
function ours(c: Case): Verdict {
  const parser = new ResponseParser(8192);
  let status: number | undefined;
  const body: Buffer[] = [];
  let complete = false;
  parser.reset(
    {
      onHead: (head) => {
        status = head.status;
      },
      onBody: (chunk) => body.push(Buffer.from(chunk)),
      onComplete: () => {
        complete = true;
      },
    },
    false,
  );
  for (const piece of pieces(c)) {
    const error = parser.push(piece);
    if (error) return { accepted: false, why: error };
  }
  const end = parser.finish();
  if (end) return { accepted: false, why: end };
  if (!complete) return { accepted: false, why: "not complete" };
  return { accepted: true, status: status!, body: Buffer.concat(body).toString("latin1") };
}

/** A raw server that answers each connection's request with the current case's pieces, one write per piece. */
async function rawServer(): Promise<{ port: number; setCase(c: Case): void; close(): Promise<void> }> {
  let current: Case | undefined;
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.on("error", () => {});
    socket.once("data", async () => {
      for (const piece of pieces(current!)) {
        if (socket.destroyed) return;
        socket.write(piece);
        await new Promise((r) => setImmediate(r));
      }
      socket.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    setCase: (c) => {
      current = c;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Node's client (llhttp) against the raw server: complete with no error on the connection, or not. */
function theirs(port: number): Promise<Verdict> {
  return new Promise((resolve) => {
    let error: string | undefined;
    let ended = false;
    let status: number | undefined;
    const body: Buffer[] = [];
    const req = http.request({ host: "127.0.0.1", port, agent: false }, (res) => {
      status = res.statusCode;
      res.on("data", (d: Buffer) => body.push(d));
      res.on("end", () => {
        ended = true;
      });
      res.on("aborted", () => {
        error ??= "aborted";
      });
      res.on("error", (e) => {
        error ??= e.message;
      });
    });
    req.on("error", (e: Error & { code?: string }) => {
      error ??= `${e.code}: ${e.message}`;
    });
    req.on("close", () => {
      // 'end' may follow 'close' of the request by a tick.
      setImmediate(() =>
        resolve(
          ended && error === undefined
            ? { accepted: true, status: status!, body: Buffer.concat(body).toString("latin1") }
            : { accepted: false, why: error ?? "not complete" },
        ),
      );
    });
    req.end();
  });
}

test("the response parser and llhttp agree on random responses split at random points", async () => {
  const random = seededRandom("response parser vs llhttp");
  const server = await rawServer();
  const started = performance.now();
  const tally = { cases: 0, accepted: 0, refused: 0 };
  const flaws = new Map<string, number>();
  try {
    while (tally.cases < CASES && performance.now() - started < TIME_BUDGET_MS) {
      const c = generate(random);
      server.setCase(c);
      const node = await theirs(server.port);
      const mine = ours(c);
      const context = `seed ${random.seed}, case ${tally.cases} (flaw ${c.flaw}), cuts ${JSON.stringify(c.cuts)}: ${JSON.stringify(c.bytes.toString("latin1").slice(0, 600))}\nllhttp: ${node.why ?? "accepted"}\nours: ${mine.why ?? "accepted"}`;
      assert.equal(mine.accepted, node.accepted, `verdicts differ; ${context}`);
      if (mine.accepted) {
        assert.equal(mine.status, node.status, `status differs; ${context}`);
        assert.equal(mine.body, node.body, `body differs; ${context}`);
        tally.accepted++;
      } else tally.refused++;
      flaws.set(c.flaw, (flaws.get(c.flaw) ?? 0) + 1);
      tally.cases++;
    }
  } finally {
    await server.close();
  }
  process.stdout.write(
    `# ${tally.cases} cases in ${Math.round(performance.now() - started)} ms: ${tally.accepted} accepted, ${tally.refused} refused by both\n`,
  );
  assert.ok(tally.cases >= Math.min(CASES, 50), `only ${tally.cases} cases ran within ${TIME_BUDGET_MS} ms`);
  assert.ok(tally.accepted > 0 && tally.refused > 0, "the cases cover both verdicts");
});
