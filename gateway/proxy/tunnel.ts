/**
 * Protocol upgrades (WebSocket): open a fresh connection to the upstream, send the upgrade request, and once the
 * upstream answers 101 relay its head and then pipe raw bytes both ways. Any other answer is relayed and the
 * connection closed. Tunnels never go back to the pool.
 */
import net from "node:net";
import type { Duplex } from "node:stream";
import { rawPage } from "./pages.ts";
import { type ResponseHead, ResponseParser, type ResponseSink } from "./response-parser.ts";

export interface TunnelOptions {
  readonly connectTimeoutMs: number;
  /** Close the tunnel after this long without a byte in either direction. */
  readonly idleTimeoutMs: number;
  readonly maxResponseHeadBytes: number;
}

export type TunnelOutcome = "tunnel-closed" | "connect-failed" | "upstream-error" | "upstream-refused";

/** Relay an upgrade request whose head is already built; `done` is called once when both sockets are gone. */
export function openTunnel(
  client: Duplex,
  early: Buffer,
  ip: string,
  port: number,
  requestHead: string,
  options: TunnelOptions,
  done: (outcome: TunnelOutcome) => void,
): { destroy(): void } {
  let outcome: TunnelOutcome = "tunnel-closed";
  let settled = false;
  const upstream = net.connect({ host: ip, port, noDelay: true });
  const destroyBoth = () => {
    client.destroy();
    upstream.destroy();
  };
  const settle = () => {
    if (settled) return;
    settled = true;
    clearTimeout(connectTimer);
    destroyBoth();
    done(outcome);
  };
  const refuse = (status: number, why: TunnelOutcome) => {
    outcome = why;
    if (!switched && client.writable) client.end(rawPage(status));
    upstream.destroy();
    settle();
  };
  const connectTimer = setTimeout(() => refuse(502, "connect-failed"), options.connectTimeoutMs);
  let connected = false;
  let switched = false;
  upstream.once("connect", () => {
    connected = true;
    clearTimeout(connectTimer);
  });
  upstream.on("error", () => {
    if (!connected) refuse(502, "connect-failed");
    else if (!switched && !headSent) refuse(502, "upstream-error");
    else settle();
  });
  upstream.on("close", settle);
  client.on("error", settle);
  client.on("close", settle);
  upstream.setTimeout(options.idleTimeoutMs, settle);
  if ("setTimeout" in client && typeof client.setTimeout === "function")
    client.setTimeout(options.idleTimeoutMs, settle);

  upstream.write(requestHead, "latin1");
  if (early.length > 0) upstream.write(early);
  client.pipe(upstream);

  let headSent = false;
  const parser = new ResponseParser(options.maxResponseHeadBytes);
  const sink: ResponseSink = {
    onHead(head: ResponseHead) {
      headSent = true;
      let text = `HTTP/1.1 ${head.status} ${head.reason}\r\n`;
      for (let i = 0; i < head.headers.length; i += 2) text += `${head.headers[i]}: ${head.headers[i + 1]}\r\n`;
      if (head.status === 101) switched = true;
      else {
        outcome = "upstream-refused";
        if (head.framing !== "length") text += "connection: close\r\n";
      }
      client.write(`${text}\r\n`, "latin1");
    },
    onBody(chunk: Buffer, last: boolean) {
      if (chunk.length > 0) client.write(chunk);
      if (last) client.end();
    },
    onComplete() {
      upstream.destroy();
    },
  };
  parser.reset(sink, false);
  const onHeadData = (chunk: Buffer) => {
    const error = parser.push(chunk);
    if (error !== undefined) {
      refuse(502, "upstream-error");
      return;
    }
    if (switched) {
      // From here on the bytes are the upgraded protocol's: plain piping.
      upstream.removeListener("data", onHeadData);
      upstream.pipe(client);
    }
  };
  upstream.on("data", onHeadData);
  upstream.on("end", () => {
    if (!switched && parser.finish() !== undefined && !headSent) refuse(502, "upstream-error");
    else client.end();
  });
  return { destroy: settle };
}
