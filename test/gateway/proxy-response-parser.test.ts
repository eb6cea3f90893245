/**
 * The upstream response parser: whatever the split of the bytes into reads, it yields the same head, the same body
 * and one completion; it refuses malformed framing; it never declares a connection reusable after stray bytes.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import fc from "fast-check";
import {
  MAX_INTERIM,
  MAX_LINE,
  MAX_TRAILERS,
  type ResponseHead,
  ResponseParser,
} from "../../gateway/proxy/response-parser.ts";
import { BASE, listen, rawRequest, startProxyHarness, statusOf } from "./support-proxy.ts";

interface Outcome {
  head?: ResponseHead;
  body: Buffer;
  lastSeen: number;
  completions: boolean[];
  error?: string;
}

/** Feed `bytes` split at `cuts` (taken modulo the length); `finish` then reports the upstream's EOF. */
function feed(bytes: Buffer, cuts: number[], noBody = false, finish = false): Outcome {
  const out: Outcome = { body: Buffer.alloc(0), lastSeen: 0, completions: [] };
  const parser = new ResponseParser(8192);
  parser.reset(
    {
      onHead: (head) => {
        out.head = head;
      },
      onBody: (chunk, last) => {
        out.body = Buffer.concat([out.body, chunk]);
        if (last) out.lastSeen++;
      },
      onComplete: (reusable) => {
        out.completions.push(reusable);
      },
    },
    noBody,
  );
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  let from = 0;
  for (const p of [...points, bytes.length]) {
    if (p <= from) continue;
    const error = parser.push(bytes.subarray(from, p));
    if (error) {
      out.error = error;
      return out;
    }
    from = p;
  }
  if (finish) out.error = parser.finish();
  return out;
}

const bodyArb = fc.uint8Array({ minLength: 0, maxLength: 3000 }).map((a) => Buffer.from(a));
const cutsArb = fc.array(fc.nat(), { maxLength: 40 });

test("Content-Length bodies survive any split", () => {
  fc.assert(
    fc.property(bodyArb, cutsArb, (body, cuts) => {
      const bytes = Buffer.concat([
        Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nX-A: 1\r\n\r\n`),
        body,
      ]);
      const out = feed(bytes, cuts);
      assert.equal(out.error, undefined);
      assert.equal(out.head?.status, 200);
      assert.equal(out.head?.framing, "length");
      assert.ok(out.body.equals(body));
      assert.equal(out.lastSeen, 1);
      assert.deepEqual(out.completions, [true]);
    }),
  );
});

test("chunked bodies (with extensions and trailers) survive any split and are decoded", () => {
  fc.assert(
    fc.property(
      fc.array(
        bodyArb.filter((b) => b.length > 0),
        { maxLength: 6 },
      ),
      cutsArb,
      (chunks, cuts) => {
        const parts = [Buffer.from("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")];
        for (const c of chunks) parts.push(Buffer.from(`${c.length.toString(16)};ext=1\r\n`), c, Buffer.from("\r\n"));
        parts.push(Buffer.from("0\r\nX-Trailer: t\r\n\r\n"));
        const out = feed(Buffer.concat(parts), cuts);
        assert.equal(out.error, undefined);
        assert.equal(out.head?.framing, "chunked");
        assert.ok(out.body.equals(Buffer.concat(chunks)));
        assert.equal(
          out.head?.headers.some((h) => h.toLowerCase() === "transfer-encoding"),
          false,
        );
        assert.deepEqual(out.completions, [true]);
      },
    ),
  );
});

test("interim 1xx responses are skipped, 204/304/HEAD have no body", () => {
  const interim = feed(
    Buffer.from("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok"),
    [5, 30],
  );
  assert.equal(interim.head?.status, 201);
  assert.equal(interim.body.toString(), "ok");
  for (const status of [204, 304]) {
    const out = feed(Buffer.from(`HTTP/1.1 ${status} X\r\nContent-Length: 10\r\n\r\n`), []);
    assert.equal(out.head?.framing, "none");
    assert.deepEqual(out.completions, [true]);
  }
  const head = feed(Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"), [], true);
  assert.deepEqual(head.completions, [true]);
  assert.equal(head.head?.headers.includes("Content-Length"), true, "HEAD keeps the length header");
});

test("close-delimited bodies end at EOF and never reuse the connection", () => {
  const out = feed(Buffer.from("HTTP/1.1 200 OK\r\n\r\nabc"), [20], false, true);
  assert.equal(out.error, undefined);
  assert.equal(out.body.toString(), "abc");
  assert.deepEqual(out.completions, [false]);
  const http10 = feed(Buffer.from("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nz"), []);
  assert.deepEqual(http10.completions, [false]);
  const close = feed(Buffer.from("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nz"), []);
  assert.deepEqual(close.completions, [false]);
});

test("stray bytes after a complete response make the connection unusable", () => {
  const out = feed(Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nzHTTP/1.1 200 OK\r\n\r\n"), []);
  assert.deepEqual(out.completions, [false]);
  const noBody = feed(Buffer.from("HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\n\r\n"), []);
  assert.deepEqual(noBody.completions, [false]);
});

test("malformed responses are refused", () => {
  const bad = [
    "HTTP/2 200 OK\r\n\r\n",
    "HTTP/1.1 20 OK\r\n\r\n",
    "SSH-2.0-x\r\n\r\n",
    "HTTP/1.1 200 OK\r\nBad Header: x\r\n\r\n",
    "HTTP/1.1 200 OK\r\n folded: x\r\n\r\n",
    "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
    "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n",
    `HTTP/1.1 200 OK\r\nX: ${"a".repeat(9000)}\r\n\r\n`,
  ];
  for (const text of bad)
    assert.notEqual(feed(Buffer.from(text), []).error, undefined, JSON.stringify(text.slice(0, 40)));
  assert.notEqual(
    feed(Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab"), [], false, true).error,
    undefined,
  );
  assert.notEqual(feed(Buffer.from(""), [], false, true).error, undefined, "EOF before any response");
});

test("Content-Length with Transfer-Encoding, or Content-Length twice, is refused (however it is split)", () => {
  const cases = [
    "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\ncontent-length: 0\r\n\r\n0\r\n\r\n",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 3\r\n\r\nabc",
    "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
  ];
  fc.assert(
    fc.property(fc.constantFrom(...cases), cutsArb, (text, cuts) => {
      const out = feed(Buffer.from(text), cuts);
      assert.match(out.error ?? "", /both Content-Length and Transfer-Encoding|Content-Length twice/);
      assert.equal(out.head, undefined, "no head reaches the client");
      assert.deepEqual(out.completions, []);
    }),
  );
});

test("a chunk-size line is cut off at its bound, before its end arrives", () => {
  const head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  // At the bound: a size with an extension that fills the line exactly is fine.
  const ext = `1;x=${"e".repeat(MAX_LINE - 4)}`;
  assert.equal(ext.length, MAX_LINE);
  const atBound = feed(Buffer.from(`${head}${ext}\r\na\r\n0\r\n\r\n`), []);
  assert.equal(atBound.error, undefined);
  assert.equal(atBound.body.toString(), "a");
  // One byte over, complete or still arriving, one byte at a time: refused without waiting for the line's end.
  const over = feed(Buffer.from(`${head}${ext}e\r\na\r\n0\r\n\r\n`), []);
  assert.match(over.error ?? "", /longer than 4096 bytes/);
  const parser = new ResponseParser(8192);
  parser.reset({ onHead: () => {}, onBody: () => {}, onComplete: () => {} }, false);
  assert.equal(parser.push(Buffer.from(`${head}1;`)), undefined);
  let fedBytes = 0;
  let error: string | undefined;
  while (error === undefined && fedBytes < 1_000_000) {
    error = parser.push(Buffer.from("e".repeat(100)));
    fedBytes += 100;
  }
  assert.match(error ?? "", /longer than 4096 bytes/);
  assert.ok(fedBytes <= MAX_LINE + 100, `refused after ${fedBytes} bytes of one line`);
});

test("trailers are bounded in number and line length, and must be field lines", () => {
  const head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n";
  const trailers = (n: number, value = "v") => Array.from({ length: n }, (_, i) => `T-${i}: ${value}\r\n`).join("");
  const ok = feed(Buffer.from(`${head}${trailers(MAX_TRAILERS)}\r\n`), [head.length + 7]);
  assert.equal(ok.error, undefined, `${MAX_TRAILERS} trailers are allowed`);
  assert.deepEqual(ok.completions, [true]);
  const many = feed(Buffer.from(`${head}${trailers(100_000)}\r\n`), []);
  assert.match(many.error ?? "", new RegExp(`more than ${MAX_TRAILERS} trailer fields`));
  assert.deepEqual(many.completions, []);
  const long = feed(Buffer.from(`${head}${trailers(1, "x".repeat(1_000_000))}\r\n`), [head.length + 10, 70_000]);
  assert.match(long.error ?? "", /longer than 4096 bytes/);
  for (const bad of ["no colon", "bad name: x", ": empty name", "X: a\x01b"]) {
    const out = feed(Buffer.from(`${head}${bad}\r\n\r\n`), []);
    assert.match(out.error ?? "", /\(trailer\)$/, JSON.stringify(bad));
  }
});

test("interim 1xx responses are bounded", () => {
  const interims = (n: number) => "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n".repeat(n);
  const final = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  const ok = feed(Buffer.from(interims(MAX_INTERIM) + final), [7, 100]);
  assert.equal(ok.error, undefined);
  assert.equal(ok.head?.status, 200);
  assert.equal(ok.body.toString(), "ok");
  const flood = feed(Buffer.from(interims(1000) + final), [7, 100]);
  assert.match(flood.error ?? "", new RegExp(`more than ${MAX_INTERIM} interim`));
  assert.equal(flood.head, undefined);
});

test("framing lines end in CRLF; header values hold no control characters", () => {
  const bad = [
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\na\r\n0\r\n\r\n",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\n0\r\n\r\n",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\n",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1 \r\na\r\n0\r\n\r\n",
    "HTTP/1.1 200 OK\r\nX: a\rb\r\nContent-Length: 1\r\n\r\nz",
    "HTTP/1.1 200 OK\r\nX: a\x7fb\r\nContent-Length: 1\r\n\r\nz",
    "HTTP/1.1 200 OK\r\nX: a\nContent-Length: 1\r\n\r\nz",
  ];
  for (const text of bad)
    assert.notEqual(feed(Buffer.from(text), [], false, true).error, undefined, JSON.stringify(text));
  const tab = feed(Buffer.from("HTTP/1.1 200 OK\r\nX: a\tb\r\nContent-Length: 1\r\n\r\nz"), []);
  assert.equal(tab.error, undefined, "a tab is allowed in a value");
  assert.deepEqual(tab.head?.headers, ["X", "a\tb", "Content-Length", "1"]);
});

test("through the gateway: an upstream flooding interim responses or trailers is cut off; the client never gets a complete answer from it", async () => {
  const gw = await startProxyHarness();
  const floods = {
    // Before the head: the client gets a 502.
    interim: "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n".repeat(1000),
    // After the head went out: the client's connection is closed before the last chunk.
    trailers: `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n${"T: v\r\n".repeat(100_000)}\r\n`,
  };
  const upstreams: net.Server[] = [];
  try {
    for (const [name, flood] of Object.entries(floods)) {
      let closed!: () => void;
      const upstreamClosed = new Promise<void>((resolve) => {
        closed = resolve;
      });
      const upstream = net.createServer((socket) => {
        socket.on("error", () => {});
        socket.once("data", () => socket.write(flood)); // and never end: only the gateway can close it
        socket.on("close", closed);
      });
      upstreams.push(upstream);
      gw.clusters.set(name, { ip: "127.0.0.1", port: await listen(upstream) });
      const raw = await rawRequest(
        gw.port,
        `GET / HTTP/1.1\r\nHost: app--${name}.${BASE}\r\nConnection: close\r\n\r\n`,
      );
      if (name === "interim") assert.equal(statusOf(raw), 502, raw.slice(0, 200));
      else
        assert.ok(
          !raw.includes("0\r\n\r\n") && !raw.includes("T: v"),
          `no last chunk, no trailer: ${raw.slice(0, 200)}`,
        );
      assert.ok(!raw.includes("Early Hints"), "no interim response reached the client");
      await upstreamClosed;
    }
  } finally {
    for (const u of upstreams) u.close();
    await gw.close();
  }
});
