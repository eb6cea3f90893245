/**
 * The gateway's settings, from command-line flags with environment variables as fallbacks. Every problem is
 * reported with the flag (and variable) it came from and what a valid value looks like.
 */
import { isIP } from "node:net";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { isDnsLabel, normaliseDomain } from "../core/naming.ts";

export interface GatewayConfig {
  readonly port: number;
  /** Listen address. */
  readonly host: string;
  readonly baseDomain: string;
  /** Registry data path (snapshot; the logs sit beside it). */
  readonly dataPath: string;
  readonly allowPrivate: boolean;
  readonly adminToken?: string;
  readonly trustedProxies: readonly string[];
  readonly heartbeatTtlMs: number;
  readonly workers: number;
  /** Control-plane requests per minute per client, and the burst allowed above that rate. */
  readonly rateLimitPerMinute: number;
  readonly rateLimitBurst: number;
  /** On SIGTERM, how long in-flight requests get before connections are cut. */
  readonly drainTimeoutMs: number;
  /** A proof-of-address challenge's bound: connect plus the whole answer. */
  readonly proofTimeoutMs: number;
  /** Proof challenges running at once; more get 503 + Retry-After. */
  readonly proofMaxInFlight: number;
}

/** The flags as commander hands them over (strings, booleans, string lists). */
export interface GatewayFlags {
  port?: string;
  host?: string;
  baseDomain?: string;
  data?: string;
  allowPrivate?: boolean;
  adminToken?: string;
  trustedProxy?: string[];
  heartbeatTtl?: string;
  workers?: string;
  rateLimit?: string;
  rateBurst?: string;
  drainTimeout?: string;
  proofTimeout?: string;
  proofMaxInFlight?: string;
}

/** Every flag of `kip gateway serve` (also accepted by the bundled gateway entry): one list for both parsers. */
export const GATEWAY_OPTIONS = [
  { flag: "port", arg: "<port>", help: "port to listen on (env SKIPPER_GATEWAY_PORT)" },
  { flag: "host", arg: "<address>", help: "address to listen on (default 0.0.0.0)" },
  {
    flag: "base-domain",
    arg: "<domain>",
    help: "domain the names live under, e.g. skipper.run (env SKIPPER_GATEWAY_BASE_DOMAIN)",
  },
  { flag: "data", arg: "<file>", help: "registry file; its logs are kept beside it (env SKIPPER_GATEWAY_DATA)" },
  { flag: "allow-private", help: "accept loopback and private cluster addresses (tests, private networks)" },
  {
    flag: "admin-token",
    arg: "<token>",
    help: "token for /metrics and for releasing any cluster (env SKIPPER_GATEWAY_ADMIN_TOKEN)",
  },
  {
    flag: "trusted-proxy",
    arg: "<cidr>",
    many: true,
    help: "believe X-Forwarded-For from this address range (repeatable)",
  },
  {
    flag: "heartbeat-ttl",
    arg: "<duration>",
    help: "release clusters not heard from for this long, e.g. 30d, 12h, 90s (default 30d)",
  },
  { flag: "workers", arg: "<n>", help: "processes serving requests; the first one owns the registry (default 1)" },
  {
    flag: "rate-limit",
    arg: "<per-minute>",
    help: "control-plane requests per minute per client address (default 60)",
  },
  {
    flag: "rate-burst",
    arg: "<n>",
    help: "control-plane requests a client may make at once above the rate (default 30)",
  },
  {
    flag: "drain-timeout",
    arg: "<duration>",
    help: "on SIGTERM, how long in-flight requests may take to finish (default 20s)",
  },
  {
    flag: "proof-timeout",
    arg: "<duration>",
    help: "how long a cluster's address may take to answer a proof challenge (default 5s)",
  },
  {
    flag: "proof-max-in-flight",
    arg: "<n>",
    help: "proof challenges the gateway sends at once; more registrations get 503 (default 32)",
  },
] as const;

/** Parse gateway flags from an argument list (the bundled entry has no commander). */
export function flagsFromArgs(args: readonly string[]): GatewayFlags {
  const options: Record<string, { type: "string" | "boolean"; multiple?: boolean }> = {};
  for (const o of GATEWAY_OPTIONS)
    options[o.flag] = "arg" in o ? { type: "string", ...("many" in o ? { multiple: true } : {}) } : { type: "boolean" };
  let values: Record<string, unknown>;
  try {
    values = parseArgs({ args: [...args], options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  const flags: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) flags[k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())] = v;
  return flags as GatewayFlags;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Lower case, no trailing dot, valid DNS labels, at least two of them. */
export function normaliseBaseDomain(text: string): string {
  const b = normaliseDomain(text.trim());
  if (!b.includes(".") || b.split(".").some((l) => !isDnsLabel(l))) {
    throw new ConfigError(`--base-domain: ${JSON.stringify(text)} must be a domain name such as skipper.run`);
  }
  return b;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `30d`, `12h`, `90s`, `500ms`, or a bare number of seconds → milliseconds. */
export function parseDuration(text: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m)
    throw new ConfigError(`${what}: ${JSON.stringify(text)} is not a duration; write e.g. 30d, 12h, 90s or 500ms`);
  const ms = Number(m[1]) * UNITS[m[2] ?? "s"]!;
  if (!(ms > 0)) throw new ConfigError(`${what}: must be longer than zero`);
  return ms;
}

function integer(text: string, what: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < min || n > max) {
    throw new ConfigError(`${what}: ${JSON.stringify(text)} must be a whole number from ${min} to ${max}`);
  }
  return n;
}

export function resolveConfig(flags: GatewayFlags, env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const port = flags.port ?? env["SKIPPER_GATEWAY_PORT"];
  const base = flags.baseDomain ?? env["SKIPPER_GATEWAY_BASE_DOMAIN"];
  const data = flags.data ?? env["SKIPPER_GATEWAY_DATA"];
  const missing = [
    port === undefined && "--port (or SKIPPER_GATEWAY_PORT)",
    base === undefined && "--base-domain (or SKIPPER_GATEWAY_BASE_DOMAIN)",
    data === undefined && "--data (or SKIPPER_GATEWAY_DATA)",
  ].filter(Boolean);
  if (missing.length > 0) throw new ConfigError(`missing ${missing.join(", ")}`);
  const host = flags.host ?? "0.0.0.0";
  if (isIP(host) === 0)
    throw new ConfigError(
      `--host: ${JSON.stringify(host)} must be an IP address to listen on, such as 0.0.0.0 or 127.0.0.1`,
    );
  const adminToken = flags.adminToken ?? env["SKIPPER_GATEWAY_ADMIN_TOKEN"];
  if (adminToken !== undefined && adminToken.length < 16) {
    throw new ConfigError("--admin-token (or SKIPPER_GATEWAY_ADMIN_TOKEN): use at least 16 characters");
  }
  const trusted =
    flags.trustedProxy ??
    env["SKIPPER_GATEWAY_TRUSTED_PROXIES"]
      ?.split(",")
      .map((s) => s.trim())
      .filter(Boolean) ??
    [];
  return {
    port: integer(port!, "--port", 0, 65535),
    host,
    baseDomain: normaliseBaseDomain(base!),
    dataPath: resolve(data!),
    allowPrivate: flags.allowPrivate ?? env["SKIPPER_GATEWAY_ALLOW_PRIVATE"] === "1",
    ...(adminToken === undefined ? {} : { adminToken }),
    trustedProxies: trusted,
    heartbeatTtlMs: parseDuration(
      flags.heartbeatTtl ?? env["SKIPPER_GATEWAY_HEARTBEAT_TTL"] ?? "30d",
      "--heartbeat-ttl",
    ),
    workers: integer(flags.workers ?? env["SKIPPER_GATEWAY_WORKERS"] ?? "1", "--workers", 1, 256),
    rateLimitPerMinute: integer(flags.rateLimit ?? "60", "--rate-limit", 1, 1_000_000),
    rateLimitBurst: integer(flags.rateBurst ?? "30", "--rate-burst", 1, 1_000_000),
    drainTimeoutMs: parseDuration(flags.drainTimeout ?? "20s", "--drain-timeout"),
    proofTimeoutMs: parseDuration(flags.proofTimeout ?? "5s", "--proof-timeout"),
    proofMaxInFlight: integer(flags.proofMaxInFlight ?? "32", "--proof-max-in-flight", 1, 10_000),
  };
}
