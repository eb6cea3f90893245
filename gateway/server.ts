/**
 * One node:http server for both planes. A request whose Host is the base domain itself goes to the control plane
 * (Fastify, see control/api.ts); every other request, and every upgrade, goes straight to the data plane, so proxied
 * traffic never pays for Fastify's routing. Client-side limits (header size, slowloris timeouts) come from the data
 * plane's server-limits.ts and apply to both planes.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { Duplex } from "node:stream";
import { normaliseDomain } from "../core/naming.ts";
import type { ControlPlane } from "./control/api.ts";
import type { Plane } from "./control/metrics.ts";
import type { DataPlane } from "./proxy/data-plane.ts";
import { applyServerTimeouts, type ClientLimits, gatewayServerOptions } from "./proxy/server-limits.ts";

export interface GatewayServerParts {
  readonly baseDomain: string;
  readonly control: ControlPlane;
  readonly data: Pick<DataPlane, "handleRequest" | "handleUpgrade">;
  readonly limits?: ClientLimits;
  /** Told each request's latency (arrival to the end of its response, or to the client going away). */
  readonly observe?: (plane: Plane, seconds: number) => void;
}

/** True when a Host header value names the base domain itself (any case, optional trailing dot and port). */
export function isBaseHost(host: string | undefined, base: string): boolean {
  if (host === undefined) return false;
  const h = host.length === base.length ? host : host.replace(/:\d{1,5}$/, "");
  // Most requests are for the data plane: compare lengths before building a normalised copy.
  return (h.length === base.length || h.length === base.length + 1) && normaliseDomain(h) === base;
}

const NOT_HERE =
  "HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: 48\r\n\r\n";
const NOT_HERE_BODY = '{"error":"the control plane takes no upgrades"}\n';

export function createGatewayServer(parts: GatewayServerParts): Server {
  const base = normaliseDomain(parts.baseDomain);
  const { control, data, observe } = parts;
  const server = createServer(gatewayServerOptions(parts.limits), (req, res) => {
    const plane: Plane = isBaseHost(req.headers.host, base) ? "control" : "data";
    if (observe) {
      const started = performance.now();
      res.once("close", () => observe(plane, (performance.now() - started) / 1000));
    }
    if (plane === "control") control.handle(req, res);
    else data.handleRequest(req, res);
  });
  applyServerTimeouts(server, parts.limits);
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (isBaseHost(req.headers.host, base)) {
      socket.on("error", () => socket.destroy());
      socket.end(NOT_HERE + NOT_HERE_BODY);
    } else data.handleUpgrade(req, socket, head);
  });
  return server;
}
