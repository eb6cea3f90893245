/**
 * `console-api/log-frames.ts`: log lines wait a few milliseconds (virtual time here) and leave as one frame; a full
 * frame leaves at once; a flush before closing loses nothing; a client that is gone stops the batcher.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { LogFrames } from "../../console-api/log-frames.ts";

test("log frames: lines within the delay share one frame, in order", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const sent: string[] = [];
  const frames = new LogFrames({ send: (f) => sent.push(f) > 0 }, { delayMs: 25 });
  assert.equal(frames.push("a"), true);
  t.mock.timers.tick(10);
  frames.push("b");
  frames.push("");
  assert.deepEqual(sent, [], "nothing before the delay");
  t.mock.timers.tick(15);
  assert.deepEqual(sent, ["a\nb\n"], "one frame, the empty line kept");
  frames.push("c");
  t.mock.timers.tick(24);
  assert.equal(sent.length, 1);
  t.mock.timers.tick(1);
  assert.deepEqual(sent, ["a\nb\n", "c"]);
});

test("log frames: a full frame goes at once; flush sends what waits; stop drops it", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const sent: string[] = [];
  const frames = new LogFrames({ send: (f) => sent.push(f) > 0 }, { delayMs: 25, maxBytes: 10 });
  frames.push("1234");
  frames.push("5678"); // 10 bytes with the separators
  assert.deepEqual(sent, ["1234\n5678"]);
  frames.push("tail");
  assert.equal(frames.flush(), true);
  assert.deepEqual(sent, ["1234\n5678", "tail"]);
  assert.equal(frames.flush(), true, "an empty flush sends nothing");
  assert.equal(sent.length, 2);
  frames.push("dropped");
  frames.stop();
  t.mock.timers.tick(100);
  assert.equal(sent.length, 2);
  assert.equal(frames.push("after"), false, "a stopped batcher refuses lines");
});

test("log frames: when the client is gone the reader is told to stop", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  let calls = 0;
  const gone = (): boolean => {
    calls++;
    return false;
  };
  const frames = new LogFrames({ send: gone }, { maxBytes: 1 });
  assert.equal(frames.push("x"), false, "the frame could not go: stop reading");
  assert.equal(frames.push("y"), false);
  assert.equal(calls, 1, "nothing more is sent");
});
