/**
 * The gateway's data plane: every request for `<label>.<base>` is routed by its Host header alone to the cluster the
 * label names, and proxied there over pooled keep-alive connections (see exchange.ts, upstream-pool.ts). Upgrades
 * (WebSocket) are tunnelled (tunnel.ts). Unknown names get a small 404 page and are never proxied anywhere.
 *
 * The node:http server that calls this owns client-side limits; use `gatewayServerOptions` and
 * `applyServerTimeouts` from server-limits.ts so slow clients cannot hold the gateway.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { isIP, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { parseHost } from "../../core/naming.ts";
import { isPublicAddress, plainAddress } from "../../core/net-address.ts";
import { Exchange, type ExchangeHost, type ExchangeOutcome } from "./exchange.ts";
import { forwardedValues } from "./forwarded.ts";
import { rawPage, sendPage } from "./pages.ts";
import { buildRequestHead, claimedForwarding, originTarget } from "./request-head.ts";
import { openTunnel, type TunnelOutcome } from "./tunnel.ts";
import { UpstreamPool } from "./upstream-pool.ts";

export interface DataPlaneLimits {
  /** Requests in progress per cluster before new ones get 503 + Retry-After (default 128). */
  readonly maxInFlightPerCluster?: number;
  /** Open upgraded connections (WebSockets) per cluster (default 1024). */
  readonly maxTunnelsPerCluster?: number;
  /** Connecting to an upstream gives up after this long with 502 (default 5000). A refused connect is immediate. */
  readonly upstreamConnectTimeoutMs?: number;
  /** No byte from the upstream for this long while a request is in progress → 504 or abort (default 60000). */
  readonly upstreamIdleTimeoutMs?: number;
  /** Idle keep-alive connections to upstreams are closed after this long (default 4000; below Node's 5 s). */
  readonly poolIdleTimeoutMs?: number;
  /** Idle keep-alive connections kept per upstream address (default 256). */
  readonly maxIdlePerUpstream?: number;
  /** A tunnel with no traffic either way for this long is closed (default 600000). */
  readonly tunnelIdleTimeoutMs?: number;
  /** Largest upstream response head accepted (default 65536). */
  readonly maxResponseHeadBytes?: number;
}

export interface DataPlaneOptions {
  /** The base domain, e.g. `skipper.run`; hosts are `<label>.<base>`. */
  readonly baseDomain: string;
  /** The registered address of a cluster id, or undefined when none is registered. */
  readonly lookup: (clusterId: string) => { ip: string; port: number } | undefined;
  /** Whether a socket peer address is a proxy whose X-Forwarded-* headers are believed. */
  readonly trustedProxies: (address: string) => boolean;
  /** Permit loopback/private upstream addresses (tests and private networks). */
  readonly allowPrivate: boolean;
  readonly limits?: DataPlaneLimits;
}

/** Counters for /metrics (monotonic unless named as a current value). */
export interface DataPlaneStats {
  requestsTotal: number;
  proxiedTotal: number;
  notFoundTotal: number;
  badRequestTotal: number;
  overloadedTotal: number;
  refusedAddressTotal: number;
  connectFailuresTotal: number;
  upstreamErrorsTotal: number;
  upstreamTimeoutsTotal: number;
  clientAbortsTotal: number;
  upgradesTotal: number;
  /** Current value: requests being proxied now. */
  inFlight: number;
  /** Current value: open tunnels (WebSockets). */
  tunnelsOpen: number;
  upstreamConnectsTotal: number;
  upstreamReusesTotal: number;
  /** Current value: idle keep-alive connections to upstreams. */
  upstreamIdle: number;
}

export interface DataPlane {
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  stats(): DataPlaneStats;
  /** Close idle upstream connections and open tunnels. Call after the HTTP server stopped taking requests. */
  close(): Promise<void>;
}

type Route =
  | { readonly ok: true; readonly clusterId: string; readonly ip: string; readonly port: number; readonly host: string }
  | { readonly ok: false; readonly status: 400 | 404 | 502 };

const MAX_CACHED_HOSTS = 10_000;

const kPeer = Symbol("skipper.peer");
interface Peer {
  readonly address: string;
  readonly trusted: boolean;
}

export function createDataPlane(opts: DataPlaneOptions): DataPlane {
  const limits = opts.limits ?? {};
  const maxInFlight = limits.maxInFlightPerCluster ?? 128;
  const maxTunnels = limits.maxTunnelsPerCluster ?? 1024;
  const connectTimeoutMs = limits.upstreamConnectTimeoutMs ?? 5000;
  const maxResponseHeadBytes = limits.maxResponseHeadBytes ?? 65536;
  const tunnelOptions = {
    connectTimeoutMs,
    idleTimeoutMs: limits.tunnelIdleTimeoutMs ?? 600_000,
    maxResponseHeadBytes,
  };
  const pool = new UpstreamPool({
    connectTimeoutMs,
    activeIdleTimeoutMs: limits.upstreamIdleTimeoutMs ?? 60_000,
    poolIdleTimeoutMs: limits.poolIdleTimeoutMs ?? 4000,
    maxIdlePerUpstream: limits.maxIdlePerUpstream ?? 256,
  });
  parseHost(`x.${opts.baseDomain}`, opts.baseDomain); // throws a SpecError now for an unusable base domain

  const counters = {
    requestsTotal: 0,
    proxiedTotal: 0,
    notFoundTotal: 0,
    badRequestTotal: 0,
    overloadedTotal: 0,
    refusedAddressTotal: 0,
    connectFailuresTotal: 0,
    upstreamErrorsTotal: 0,
    upstreamTimeoutsTotal: 0,
    clientAbortsTotal: 0,
    upgradesTotal: 0,
  };
  const inFlight = new Map<string, number>();
  let inFlightTotal = 0;
  const tunnels = new Map<string, number>();
  const openTunnels = new Set<{ destroy(): void }>();

  // Host → cluster id is pure, so remember recent answers (null: the host names no cluster).
  const hostCache = new Map<string, string | null>();
  const clusterOfHost = (host: string): string | undefined => {
    let id = hostCache.get(host);
    if (id === undefined) {
      id = parseHost(host, opts.baseDomain)?.clusterId ?? null;
      if (hostCache.size >= MAX_CACHED_HOSTS) hostCache.clear();
      hostCache.set(host, id);
    }
    return id ?? undefined;
  };
  const publicCache = new Map<string, boolean>();
  const dialable = (ip: string): boolean => {
    if (opts.allowPrivate) return isIP(ip) !== 0;
    let ok = publicCache.get(ip);
    if (ok === undefined) {
      ok = isPublicAddress(ip);
      if (publicCache.size >= MAX_CACHED_HOSTS) publicCache.clear();
      publicCache.set(ip, ok);
    }
    return ok;
  };

  /** Route by the Host header only: exactly one Host, naming a registered cluster with a dialable address. */
  const route = (req: IncomingMessage): Route => {
    const raw = req.rawHeaders;
    let host: string | undefined;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!;
      if (name.length === 4 && name.toLowerCase() === "host") {
        if (host !== undefined) return { ok: false, status: 400 }; // duplicate Host headers
        host = raw[i + 1]!;
      }
    }
    if (host === undefined || host === "") return { ok: false, status: 400 };
    const clusterId = clusterOfHost(host);
    if (clusterId === undefined) return { ok: false, status: 404 };
    const target = opts.lookup(clusterId);
    if (!target) return { ok: false, status: 404 };
    const { ip, port } = target;
    if (!dialable(ip) || !Number.isInteger(port) || port < 1 || port > 65535) {
      counters.refusedAddressTotal++;
      return { ok: false, status: 502 };
    }
    return { ok: true, clusterId, ip, port, host };
  };

  const countRefusal = (status: number) => {
    if (status === 404) counters.notFoundTotal++;
    else if (status === 400) counters.badRequestTotal++;
  };

  const countOutcome = (outcome: ExchangeOutcome | TunnelOutcome) => {
    if (outcome === "proxied" || outcome === "tunnel-closed" || outcome === "upstream-refused") counters.proxiedTotal++;
    else if (outcome === "connect-failed") counters.connectFailuresTotal++;
    else if (outcome === "upstream-error") counters.upstreamErrorsTotal++;
    else if (outcome === "upstream-timeout") counters.upstreamTimeoutsTotal++;
    else if (outcome === "client-aborted") counters.clientAbortsTotal++;
  };

  const exchangeHost: ExchangeHost = {
    pool,
    maxResponseHeadBytes,
    exchangeDone(clusterId, outcome) {
      const n = inFlight.get(clusterId)! - 1;
      if (n === 0) inFlight.delete(clusterId);
      else inFlight.set(clusterId, n);
      inFlightTotal--;
      countOutcome(outcome);
    },
  };

  /** The client connection's peer address and whether it is a trusted proxy, worked out once per connection. */
  const peerOf = (socket: Socket & { [kPeer]?: Peer }): Peer => {
    let peer = socket[kPeer];
    if (!peer) {
      const address = plainAddress(socket.remoteAddress);
      peer = { address, trusted: address !== "" && opts.trustedProxies(address) };
      socket[kPeer] = peer;
    }
    return peer;
  };

  const headFor = (req: IncomingMessage, host: string, target: string, upgrade: boolean) => {
    const { address: peer, trusted } = peerOf(req.socket);
    const claimed = trusted ? claimedForwarding(req.rawHeaders) : {};
    const encrypted = (req.socket as { encrypted?: boolean }).encrypted === true;
    const forwarded = forwardedValues(peer, encrypted, host, claimed, trusted);
    return buildRequestHead({
      method: req.method ?? "GET",
      target,
      rawHeaders: req.rawHeaders,
      forwarded,
      trustedPeer: trusted,
      upgrade,
    });
  };

  return {
    handleRequest(req, res) {
      counters.requestsTotal++;
      const r = route(req);
      if (!r.ok) {
        countRefusal(r.status);
        sendPage(res, r.status);
        return;
      }
      const target = originTarget(req.url ?? "");
      if (target === undefined) {
        counters.badRequestTotal++;
        sendPage(res, 400);
        return;
      }
      const busy = inFlight.get(r.clusterId) ?? 0;
      if (busy >= maxInFlight) {
        counters.overloadedTotal++;
        sendPage(res, 503, { "retry-after": "1" });
        return;
      }
      inFlight.set(r.clusterId, busy + 1);
      inFlightTotal++;
      const { head, framing } = headFor(req, r.host, target, false);
      new Exchange(exchangeHost, req, res, r.clusterId, r.ip, r.port, head, framing).start();
    },

    handleUpgrade(req, socket, early) {
      counters.requestsTotal++;
      counters.upgradesTotal++;
      socket.on("error", () => socket.destroy());
      const r = route(req);
      const target = originTarget(req.url ?? "");
      if (!r.ok || target === undefined) {
        const status = r.ok ? 400 : r.status;
        countRefusal(status);
        socket.end(rawPage(status));
        return;
      }
      const open = tunnels.get(r.clusterId) ?? 0;
      if (open >= maxTunnels) {
        counters.overloadedTotal++;
        socket.end(rawPage(503, { "retry-after": "1" }));
        return;
      }
      tunnels.set(r.clusterId, open + 1);
      const { head } = headFor(req, r.host, target, true);
      const tunnel = openTunnel(socket, early, r.ip, r.port, head, tunnelOptions, (outcome) => {
        openTunnels.delete(tunnel);
        const n = tunnels.get(r.clusterId)! - 1;
        if (n === 0) tunnels.delete(r.clusterId);
        else tunnels.set(r.clusterId, n);
        countOutcome(outcome);
      });
      openTunnels.add(tunnel);
    },

    stats() {
      const p = pool.stats();
      return {
        ...counters,
        inFlight: inFlightTotal,
        tunnelsOpen: openTunnels.size,
        upstreamConnectsTotal: p.connects,
        upstreamReusesTotal: p.reuses,
        upstreamIdle: p.idle,
      };
    },

    async close() {
      pool.close();
      for (const t of [...openTunnels]) t.destroy();
    },
  };
}
