/**
 * The upstream response parser: whatever the split of the bytes into reads, it yields the same head, the same body
 * and one completion; it refuses malformed framing; it never declares a connection reusable after stray bytes.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { type ResponseHead, ResponseParser } from "../../gateway/proxy/response-parser.ts";

interface Outcome {
  head?: ResponseHead;
  body: Buffer;
  lastSeen: number;
  completions: boolean[];
  error?: string;
}

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
