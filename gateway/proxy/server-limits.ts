/**
 * Client-side limits for the node:http server in front of the data plane (H4's gateway/server.ts creates it).
 * Slowloris defence lives here: a client must send its whole head within `headersTimeout` and its whole request
 * within `requestTimeout`, and Node only checks those every `connectionsCheckingInterval`, so keep that short.
 *
 * Use: `const server = http.createServer(gatewayServerOptions(), handler); applyServerTimeouts(server);`
 */
import type { Server, ServerOptions } from "node:http";

export interface ClientLimits {
  /** Whole request head must arrive within this (default 10 s). */
  readonly headersTimeoutMs?: number;
  /** Whole request, body included, must arrive within this (default 300 s; uploads can be large). */
  readonly requestTimeoutMs?: number;
  /** An idle keep-alive client connection is closed after this (default 5 s). */
  readonly keepAliveTimeoutMs?: number;
  /** How often Node checks the two timeouts above (default 1 s). */
  readonly checkIntervalMs?: number;
  /** Largest request head in bytes (default 16 KiB; larger gets 431). */
  readonly maxHeaderBytes?: number;
  /**
   * A client socket with no traffic either way for this long is closed (default 120 s). Keep it above the data
   * plane's upstreamIdleTimeoutMs so a slow upstream is answered with 504 rather than a dropped connection.
   * Upgraded sockets (WebSockets) get the data plane's own tunnel timeout instead.
   */
  readonly socketIdleTimeoutMs?: number;
}

export function gatewayServerOptions(limits: ClientLimits = {}): ServerOptions {
  const headersTimeout = limits.headersTimeoutMs ?? 10_000;
  return {
    maxHeaderSize: limits.maxHeaderBytes ?? 16 * 1024,
    headersTimeout,
    requestTimeout: Math.max(headersTimeout, limits.requestTimeoutMs ?? 300_000),
    keepAliveTimeout: limits.keepAliveTimeoutMs ?? 5000,
    connectionsCheckingInterval: limits.checkIntervalMs ?? 1000,
    requireHostHeader: true,
    joinDuplicateHeaders: false,
    noDelay: true,
  };
}

/** Settings that are properties of the server rather than constructor options. */
export function applyServerTimeouts(server: Server, limits: ClientLimits = {}): void {
  server.timeout = limits.socketIdleTimeoutMs ?? 120_000;
  // Node applies the same values from the options; set them again for servers created without them.
  const options = gatewayServerOptions(limits);
  server.headersTimeout = options.headersTimeout!;
  server.requestTimeout = options.requestTimeout!;
  server.keepAliveTimeout = options.keepAliveTimeout!;
}
