// @vitest-environment node
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { LogStream, type StreamState } from "../src/lib/log-stream";

class FakeSocket {
  static all: FakeSocket[] = [];
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  protocol = "";
  readyState = 0;
  closed: { code?: number; reason?: string } | null = null;
  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {
    FakeSocket.all.push(this);
  }
  open() {
    this.readyState = 1;
    this.protocol = "skipper.auth";
    this.onopen?.(new Event("open"));
  }
  line(text: string) {
    this.onmessage?.({ data: text } as MessageEvent);
  }
  drop(code = 1006, reason = "") {
    this.readyState = 3;
    this.onclose?.({ code, reason } as CloseEvent);
  }
  close(code?: number, reason?: string) {
    this.closed = { code, reason };
  }
}

function setup(overrides: { token?: () => string | null; refresh?: () => Promise<boolean> } = {}) {
  const lines: string[] = [];
  const states: StreamState[] = [];
  const frames: (() => void)[] = [];
  const urls: boolean[] = [];
  const refresh = vi.fn(overrides.refresh ?? (async () => true));
  const stream = new LogStream({
    url: (reconnect) => {
      urls.push(reconnect);
      return `ws://console.test/api/v1/projects/p/apps/a/logs?tail=${reconnect ? 10 : 100}`;
    },
    token: overrides.token ?? (() => "token-1"),
    refresh,
    onLines: (batch) => lines.push(...batch),
    onState: (state) => states.push(state),
    onReconnected: () => lines.push("--reconnected--"),
    WebSocket: FakeSocket as never,
    frame: (callback) => frames.push(callback),
    random: () => 0.5,
  });
  const flush = () => {
    for (const frame of frames.splice(0)) frame();
  };
  return { stream, lines, states, flush, refresh, urls };
}

beforeEach(() => {
  FakeSocket.all = [];
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("LogStream", () => {
  test("offers the token as the second subprotocol, never in the URL", () => {
    const { stream } = setup();
    stream.start();
    const socket = FakeSocket.all[0]!;
    expect(socket.protocols).toEqual(["skipper.auth", "token-1"]);
    expect(socket.url).not.toContain("token-1");
    stream.stop();
  });

  test("hands lines over in one batch per frame, in order", () => {
    const { stream, lines, flush } = setup();
    stream.start();
    const socket = FakeSocket.all[0]!;
    socket.open();
    for (let i = 0; i < 100; i++) socket.line(`line ${i}`);
    expect(lines).toEqual([]);
    flush();
    expect(lines).toHaveLength(100);
    expect(lines[0]).toBe("line 0");
    expect(lines[99]).toBe("line 99");
    socket.line("a\nb\n");
    flush();
    expect(lines.slice(-2)).toEqual(["a", "b"]);
    stream.stop();
  });

  test("reconnects with backoff after a drop, asking for a short tail and marking the gap", () => {
    const { stream, lines, states, flush, urls } = setup();
    stream.start();
    FakeSocket.all[0]!.open();
    FakeSocket.all[0]!.line("before");
    flush();
    FakeSocket.all[0]!.drop(1006);
    const waiting = states.at(-1);
    expect(waiting?.kind).toBe("waiting");
    expect(FakeSocket.all).toHaveLength(1);
    vi.advanceTimersByTime(749); // attempt 0, random 0.5 → 750 ms
    expect(FakeSocket.all).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all).toHaveLength(2);
    expect(urls).toEqual([false, true]);
    FakeSocket.all[1]!.open();
    FakeSocket.all[1]!.line("after");
    flush();
    expect(lines).toEqual(["before", "--reconnected--", "after"]);
    stream.stop();
  });

  test("a refused upgrade renews the token before the next try, and delays grow", async () => {
    const { stream, refresh, states } = setup();
    stream.start();
    FakeSocket.all[0]!.drop(1006);
    await vi.waitFor(() => expect(refresh).toHaveBeenCalledTimes(1));
    await Promise.resolve();
    const first = states.filter((s) => s.kind === "waiting").at(-1) as Extract<StreamState, { kind: "waiting" }>;
    expect(first.retryAt - Date.now()).toBe(750);
    vi.advanceTimersByTime(first.retryAt - Date.now());
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.all[1]!.drop(1006);
    await vi.waitFor(() => expect(refresh).toHaveBeenCalledTimes(2));
    await Promise.resolve();
    const second = states.filter((s) => s.kind === "waiting").at(-1) as Extract<StreamState, { kind: "waiting" }>;
    expect(second.attempt).toBe(2);
    // random() = 0.5: three quarters of 1 s, then of 2 s.
    expect(second.retryAt - Date.now()).toBe(1500);
    stream.stop();
  });

  test("stop closes the socket and no reconnect follows", () => {
    const { stream, states } = setup();
    stream.start();
    const socket = FakeSocket.all[0]!;
    socket.open();
    stream.stop();
    expect(socket.closed?.code).toBe(1000);
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all).toHaveLength(1);
    expect(states.at(-1)).toEqual({ kind: "stopped" });
  });

  test("without a token it waits instead of connecting anonymously", () => {
    const { stream, states } = setup({ token: () => null });
    stream.start();
    expect(FakeSocket.all).toHaveLength(0);
    expect(states.at(-1)?.kind).toBe("waiting");
    stream.stop();
  });
});
