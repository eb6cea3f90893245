/**
 * Protocol upgrades (WebSocket): open a fresh connection to the upstream, send the upgrade request, and once the
 * upstream answers 101 relay its head and then pipe raw bytes both ways. Any other answer is relayed and the
 * connection closed. Tunnels never go back to the pool.
 *
 * Closing: when one side closes, the other is ended gracefully (so a final WebSocket close frame still arrives) and
 * destroyed if it lingers; errors and idle timeouts destroy both at once.
 */
import net from "node:net";
import type { Duplex } from "node:stream";
import { rawPage } from "./pages.ts";
import { type ResponseHead, ResponseParser, type ResponseSink } from "./response-parser.ts";
import { batchWrites } from "./write-batch.ts";

export interface TunnelOptions {
  readonly connectTimeoutMs: number;
  /** Close the tunnel after this long without a byte in either direction. */
  readonly idleTimeoutMs: number;
  readonly maxResponseHeadBytes: number;
}

export type TunnelOutcome = "tunnel-closed" | "connect-failed" | "upstream-error" | "upstream-refused";

/** How long a half-closed tunnel may take to finish closing before both sockets are destroyed. */
const LINGER_MS = 5000;

/** Copy everything `from` reads to `to`, with backpressure and batched writes; end `to` when `from` ends. */
function relay(from: Duplex, to: Duplex): void {
  from.on("data", (chunk: Buffer) => {
    batchWrites(to);
    if (!to.write(chunk)) from.pause();
  });
  to.on("drain", () => from.resume());
  from.on("end", () => to.end());
}

/** Relay an upgrade request whose head is already built; `done` is called once when the tunnel is gone. */
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
  let finished = false;
  let connected = false;
  let headSent = false;
  let switched = false;
  let clientClosed = false;
  let upstreamClosed = false;
  let linger: NodeJS.Timeout | undefined;
  const upstream = net.connect({ host: ip, port, noDelay: true });

  const finish = () => {
    if (finished) return;
    finished = true;
    clearTimeout(connectTimer);
    clearTimeout(linger);
    done(outcome);
  };
  const destroyBoth = () => {
    client.destroy();
    upstream.destroy();
    finish();
  };
  const closeSoon = () => {
    linger ??= setTimeout(destroyBoth, LINGER_MS);
  };
  /** Answer the client with the gateway's page (nothing was relayed yet) and close. */
  const refuse = (status: number, why: TunnelOutcome) => {
    outcome = why;
    upstream.destroy();
    if (!headSent && client.writable) client.end(rawPage(status));
    else client.end();
    closeSoon();
  };

  const connectTimer = setTimeout(() => refuse(502, "connect-failed"), options.connectTimeoutMs);
  upstream.once("connect", () => {
    connected = true;
    clearTimeout(connectTimer);
  });
  upstream.on("error", () => {
    if (!connected) refuse(502, "connect-failed");
    else if (!headSent) refuse(502, "upstream-error");
    else destroyBoth();
  });
  client.on("error", destroyBoth);
  upstream.on("close", () => {
    upstreamClosed = true;
    if (clientClosed) finish();
    else {
      client.end();
      closeSoon();
    }
  });
  client.on("close", () => {
    clientClosed = true;
    if (upstreamClosed) finish();
    else {
      upstream.end();
      closeSoon();
    }
  });
  upstream.setTimeout(options.idleTimeoutMs, destroyBoth);
  if ("setTimeout" in client && typeof client.setTimeout === "function") {
    client.setTimeout(options.idleTimeoutMs, destroyBoth);
  }

  upstream.write(requestHead, "latin1");
  if (early.length > 0) upstream.write(early);
  relay(client, upstream);

  const parser = new ResponseParser(options.maxResponseHeadBytes);
  const sink: ResponseSink = {
    onHead(head: ResponseHead) {
      headSent = true;
      let text = `HTTP/1.1 ${head.status} ${head.reason}\r\n`;
      for (let i = 0; i < head.headers.length; i += 2) text += `${head.headers[i]}: ${head.headers[i + 1]}\r\n`;
      if (head.status === 101) switched = true;
      else {
        // Not switching: relay the answer, then close (the body, if any, is framed by the close).
        outcome = "upstream-refused";
        text += "connection: close\r\n";
      }
      batchWrites(client);
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
      // From here on the bytes are the upgraded protocol's: plain relaying (which ends the client when upstream ends).
      upstream.removeListener("data", onHeadData);
      upstream.removeListener("end", onEndBeforeSwitch);
      relay(upstream, client);
    }
  };
  const onEndBeforeSwitch = () => {
    if (parser.finish() !== undefined && !headSent) refuse(502, "upstream-error");
    else client.end();
  };
  upstream.on("data", onHeadData);
  upstream.on("end", onEndBeforeSwitch);
  return { destroy: destroyBoth };
}
