/**
 * A WebSocket client for the live-logs route: collects the lines of its text frames (a frame holds one or more lines
 * joined by `\n`), counts the frames, and gives the close code/reason, or the HTTP refusal.
 */
import { WebSocket } from "ws";

export interface LogSocket {
  readonly ws: WebSocket;
  readonly lines: string[];
  /** Text frames received. */
  readonly frames: () => number;
  /** Resolves with the close code and reason. */
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Resolves once `n` lines have arrived (rejects after 5 s, naming what arrived). */
  waitFor(n: number): Promise<void>;
}

export type Opened = { ok: true; socket: LogSocket; protocol: string } | { ok: false; status: number; body: string };

export function openLogs(base: string, path: string, protocols: string[] | undefined): Promise<Opened> {
  const ws = new WebSocket(`${base.replace(/^http/, "ws")}${path}`, protocols);
  const lines: string[] = [];
  let frames = 0;
  const waiters: (() => void)[] = [];
  ws.on("message", (data, isBinary) => {
    if (!isBinary) {
      frames++;
      lines.push(...data.toString().split("\n"));
    }
    for (const w of waiters.splice(0)) w();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  const socket: LogSocket = {
    ws,
    lines,
    frames: () => frames,
    closed,
    async waitFor(n) {
      const until = Date.now() + 5000;
      while (lines.length < n) {
        if (Date.now() > until) throw new Error(`waited for ${n} lines, got ${JSON.stringify(lines)}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
    },
  };
  return new Promise((resolve, reject) => {
    ws.on("open", () => resolve({ ok: true, socket, protocol: ws.protocol }));
    ws.on("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (d: Buffer) => {
        body += d.toString();
      });
      res.on("end", () => resolve({ ok: false, status: res.statusCode ?? 0, body }));
    });
    ws.on("error", (err) => reject(err));
  });
}
