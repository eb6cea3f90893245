/**
 * Test harness for the data plane until (and independently of) the full gateway server: a node:http server on
 * 127.0.0.1 wiring createDataPlane to a Map of cluster id → address, with the same client limits the gateway uses.
 * Also small upstream servers that record what reached them.
 */
import http, { type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createDataPlane, type DataPlane, type DataPlaneLimits } from "../../gateway/proxy/data-plane.ts";
import { applyServerTimeouts, type ClientLimits, gatewayServerOptions } from "../../gateway/proxy/server-limits.ts";

export const BASE = "gw.test";

export interface Harness {
  readonly port: number;
  readonly clusters: Map<string, { ip: string; port: number }>;
  readonly plane: DataPlane;
  readonly server: Server;
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly limits?: DataPlaneLimits;
  readonly client?: ClientLimits;
  readonly trusted?: (address: string) => boolean;
  readonly allowPrivate?: boolean;
}

export async function startProxyHarness(options: HarnessOptions = {}): Promise<Harness> {
  const clusters = new Map<string, { ip: string; port: number }>();
  const plane = createDataPlane({
    baseDomain: BASE,
    lookup: (id) => clusters.get(id),
    trustedProxies: options.trusted ?? (() => false),
    allowPrivate: options.allowPrivate ?? true,
    limits: options.limits,
  });
  const server = http.createServer(gatewayServerOptions(options.client), (req, res) => plane.handleRequest(req, res));
  applyServerTimeouts(server, options.client);
  server.on("upgrade", (req, socket, head) => plane.handleUpgrade(req, socket, head));
  const port = await listen(server);
  return {
    port,
    clusters,
    plane,
    server,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await plane.close();
    },
  };
}

export async function listen(server: Server | import("node:net").Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return (server.address() as AddressInfo).port;
}

/** What an upstream saw of one request. */
export interface Seen {
  readonly method: string;
  readonly url: string;
  readonly rawHeaders: string[];
  readonly headers: IncomingMessage["headers"];
  readonly body: Buffer;
  /** The gateway-side port of the connection it came on (distinct ports: distinct upstream connections). */
  readonly remotePort: number;
}

export interface Upstream {
  readonly name: string;
  readonly port: number;
  readonly seen: Seen[];
  readonly server: Server;
  close(): Promise<void>;
}

/**
 * An upstream that answers every request with its name, method, url and the Host it saw, as JSON, after reading the
 * whole body (recorded in `seen`). `handler` replaces the default answer.
 */
export async function startUpstream(
  name: string,
  handler?: (req: IncomingMessage, res: http.ServerResponse, body: Buffer) => void,
): Promise<Upstream> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const remotePort = req.socket.remotePort ?? 0;
      seen.push({
        method: req.method!,
        url: req.url!,
        rawHeaders: req.rawHeaders,
        headers: req.headers,
        body,
        remotePort,
      });
      if (handler) return handler(req, res, body);
      const payload = JSON.stringify({ upstream: name, method: req.method, url: req.url, host: req.headers.host });
      res.writeHead(200, { "content-type": "application/json", "x-upstream": name });
      res.end(payload);
    });
  });
  const port = await listen(server);
  return {
    name,
    port,
    seen,
    server,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A raw HTTP/1.1 exchange over a fresh TCP connection: send `request` bytes, collect everything until close. */
export async function rawRequest(port: number, request: string | Buffer, timeoutMs = 5000): Promise<string> {
  const net = await import("node:net");
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(Buffer.concat(chunks).toString("latin1"));
    }, timeoutMs);
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", (e) => {
      clearTimeout(timer);
      if (chunks.length > 0) resolve(Buffer.concat(chunks).toString("latin1"));
      else reject(e);
    });
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString("latin1"));
    });
    socket.write(request);
  });
}

/** The status code of the first response in a raw HTTP answer (0 when there is none). */
export function statusOf(raw: string): number {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(raw);
  return m ? Number(m[1]) : 0;
}

/** GET through the gateway with a given Host, via node:http (connection closed after). */
export async function get(
  port: number,
  host: string,
  path = "/",
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        path,
        method: "GET",
        headers: { host, connection: "close", ...headers },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end();
  });
}
