/**
 * The rules of the control plane: who may register, move, renew, release and read a cluster. Every decision and the
 * registry change it leads to happen without an `await` in between, so two requests can never both win one id; the
 * answer waits until the change is durable.
 *
 * Status codes:
 * - 201 new registration, with the token (the only time it is ever shown).
 * - 200 re-registration with the cluster's valid token (renews, and moves a named cluster), move, heartbeat, read.
 * - 204 released.
 * - 400 malformed body or field (names the field and the rule); also a non-public address without --allow-private.
 * - 401 no token, or a header that is not `Bearer <cluster token>`; 403 a well-formed token that is not this
 *   cluster's, or an address neither claimed from itself nor proven by challenge (below).
 * - 404 unknown cluster. 409 the id is taken (a re-registration without the token gets 409 and no token: the token
 *   is neither shown nor replaced), the name is reserved, or an IP-derived id asked to move to another address.
 * - 503 + Retry-After: too many proof challenges in flight.
 * The admin token (--admin-token) may also read and release any cluster (for a cluster that lost its token).
 *
 * Proof of address: the gateway relays the whole internet's requests to a registered address, so it only takes an
 * address its registrant holds; named clusters too, so nobody can point a name at a third party's host and port.
 * Every registration, re-registration and move proves its `ip` in one of two ways:
 * - it comes from that address (the TCP peer, or the client a trusted proxy names in X-Forwarded-For:
 *   client-address.ts) — a cluster registering from its own server;
 * - or its body carries `proofKey` (an Ed25519 public key) and the address answers a challenge signed by that key
 *   (core/gateway-proof.ts, proof-challenge.ts) — a cluster behind a load balancer, whose requests leave from another
 *   address than the one the world reaches it at.
 * `--allow-private` only lets private and loopback addresses through the public-address rule (which also bounds where
 * challenges go); it never waives the proof. A challenge awaits the network, so it runs first, on its own: the
 * decision and the registry change are then made (again) without an await in between. Requests that would be refused
 * anyway are refused before any challenge is sent.
 */
import { isIP } from "node:net";
import { PROOF_KEY_FORMAT, proofKeyProblem, proofPath } from "../../core/gateway-proof.ts";
import {
  appHost,
  type ClusterRef,
  clusterHost,
  clusterIdFromIp,
  clusterNameProblem,
  consoleHost,
  ipFromClusterId,
  isIPv4,
  RESERVED_CLUSTER_NAMES,
} from "../../core/naming.ts";
import { isPublicAddress, PUBLIC_ADDRESS_RULE, sameAddress } from "../../core/net-address.ts";
import type { ClusterRecord } from "../registry/record.ts";
import type { Registry } from "../registry/registry.ts";
import { type Caller, type ControlOperations, fail, type Outcome } from "./outcome.ts";
import { type ProofChallengeOptions, ProofChallenger } from "./proof-challenge.ts";
import { hashToken, looksLikeClusterToken, newToken, readBearer, secretsEqual, tokenMatches } from "./tokens.ts";

export interface ClusterRulesOptions {
  readonly baseDomain: string;
  readonly allowPrivate: boolean;
  /** Registrations not seen for this long expire. */
  readonly ttlMs: number;
  readonly adminToken?: string;
  readonly now?: () => number;
  /** Bounds of proof challenges (timeout, how many at once). @default see proof-challenge.ts */
  readonly proof?: ProofChallengeOptions;
}

/** Counters the rules keep (read by /metrics). */
export interface ClusterCounters {
  created: number;
  renewed: number;
  moved: number;
  heartbeats: number;
  released: number;
  expired: number;
  refused: number;
}

interface Address {
  readonly ip: string;
  readonly port: number;
}

interface Claim extends Address {
  readonly name?: string;
  /** The Ed25519 public key a challenge is verified with (base64url, raw 32 bytes). */
  readonly proofKey?: string;
}

/** A registry change decided, not yet written: the record, the answer, the counter it moves. */
interface Plan {
  readonly record: ClusterRecord;
  readonly answer: Outcome;
  readonly event: "created" | "renewed" | "moved";
}

type Parsed<T> = { readonly ok: T } | { readonly err: Outcome };

const BODY_FIELDS = new Set(["ip", "port", "name", "proofKey"]);

function parseAddress(body: unknown, allowed: ReadonlySet<string>, allowPrivate: boolean): Parsed<Claim> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return { err: fail(400, 'the body must be a JSON object such as {"ip": "203.0.113.10", "port": 80}') };
  }
  const b = body as Record<string, unknown>;
  const unknown = Object.keys(b).filter((k) => !allowed.has(k));
  if (unknown.length > 0)
    return { err: fail(400, `unknown field ${JSON.stringify(unknown[0])}; allowed: ${[...allowed].join(", ")}`) };
  const { ip, port = 80, name, proofKey } = b;
  if (typeof ip !== "string" || isIP(ip) === 0) return { err: fail(400, "ip: must be an IPv4 or IPv6 address") };
  if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) {
    return { err: fail(400, "port: must be an integer from 1 to 65535") };
  }
  if (!allowPrivate && !isPublicAddress(ip)) return { err: fail(400, `ip: ${PUBLIC_ADDRESS_RULE} (got ${ip})`) };
  if (name !== undefined && typeof name !== "string") return { err: fail(400, "name: must be a string") };
  if (proofKey !== undefined) {
    const problem = proofKeyProblem(proofKey);
    if (problem) return { err: fail(400, `proofKey: ${problem}`) };
  }
  return {
    ok: {
      ip,
      port,
      ...(name === undefined ? {} : { name: name as string }),
      ...(proofKey === undefined ? {} : { proofKey: proofKey as string }),
    },
  };
}

/** `http://203.0.113.10:80`, `http://[2001:db8::1]:80` */
function origin(ip: string, port: number): string {
  return `http://${isIP(ip) === 6 ? `[${ip}]` : ip}:${port}`;
}

/** The 403 for a claim from another address without a proofKey: it names both ways to prove the address. */
function unproven(claim: Claim, id: string, caller: Caller, what: string): Outcome {
  return fail(
    403,
    `ip: ${what} only from ${claim.ip} itself, and this request came from ${caller.address || "an unknown address"}; ` +
      `run it on that host, or prove the address by challenge: send "proofKey" (${PROOF_KEY_FORMAT}) ` +
      `and serve the signature at ${origin(claim.ip, claim.port)}${proofPath(id)} (what a cluster behind a load balancer does; the gateway relays only to addresses their registrant holds)`,
  );
}

function refOf(id: string): ClusterRef {
  const ip = ipFromClusterId(id);
  return ip ? { kind: "ip", ip } : { kind: "name", name: id };
}

export class ClusterRules implements ControlOperations {
  readonly counters: ClusterCounters = {
    created: 0,
    renewed: 0,
    moved: 0,
    heartbeats: 0,
    released: 0,
    expired: 0,
    refused: 0,
  };
  private readonly opts: ClusterRulesOptions;
  private readonly registry: Registry;
  private readonly now: () => number;
  /** Proof challenges (counted by result for /metrics). */
  readonly proofs: ProofChallenger;

  constructor(registry: Registry, opts: ClusterRulesOptions) {
    this.registry = registry;
    this.opts = opts;
    this.now = opts.now ?? Date.now;
    this.proofs = new ProofChallenger(opts.proof);
  }

  /** The host names a cluster gets: its own, the pattern of its apps, its console. */
  hosts(id: string): { cluster: string; apps: string; console: string } {
    const ref = refOf(id);
    const base = this.opts.baseDomain;
    // Build the app pattern through the one naming function, with a placeholder app name swapped for `<app>`.
    return {
      cluster: clusterHost(ref, base),
      apps: appHost("x", ref, base).replace(/^x/, "<app>"),
      console: consoleHost(ref, base),
    };
  }

  private view(r: ClusterRecord): Record<string, unknown> {
    return {
      id: r.id,
      ip: r.ip,
      port: r.port,
      createdAt: new Date(r.createdAt).toISOString(),
      lastSeen: new Date(r.lastSeen).toISOString(),
      expiresAt: new Date(r.lastSeen + this.opts.ttlMs).toISOString(),
      hosts: this.hosts(r.id),
    };
  }

  private refuse(o: Outcome): Outcome {
    this.counters.refused++;
    return o;
  }

  /** Check the caller's bearer token against cluster `id`. `admin` lets the admin token through as well. */
  private authorise(id: string, caller: Caller, admin: boolean): Parsed<ClusterRecord> {
    const bearer = readBearer(caller.authorization);
    const challenge = { "www-authenticate": 'Bearer realm="skipper-gateway"' };
    if (bearer.kind === "missing")
      return { err: fail(401, "this needs the cluster's token: Authorization: Bearer <token>", challenge) };
    if (bearer.kind === "malformed")
      return { err: fail(401, "the Authorization header must be 'Bearer <token>'", challenge) };
    const isAdmin = admin && this.opts.adminToken !== undefined && secretsEqual(bearer.token, this.opts.adminToken);
    if (!isAdmin && !looksLikeClusterToken(bearer.token))
      return { err: fail(401, "that is not a cluster token (43 base64url characters)", challenge) };
    const record = this.registry.get(id);
    if (!record) return { err: fail(404, `no cluster ${JSON.stringify(id)} is registered`) };
    if (!isAdmin && !tokenMatches(bearer.token, record.tokenHash))
      return { err: fail(403, `that token does not belong to cluster ${JSON.stringify(id)}`) };
    return { ok: record };
  }

  async register(body: unknown, caller: Caller): Promise<Outcome> {
    const parsed = parseAddress(body, BODY_FIELDS, this.opts.allowPrivate);
    if ("err" in parsed) return this.refuse(parsed.err);
    const claim = parsed.ok;
    let id: string;
    if (claim.name !== undefined) {
      const name = claim.name;
      if (RESERVED_CLUSTER_NAMES.has(name))
        return this.refuse(fail(409, `name: ${JSON.stringify(name)} is reserved; choose another name`));
      const problem = clusterNameProblem(name);
      if (problem) return this.refuse(fail(400, `name: ${problem} (got ${JSON.stringify(name)})`));
      id = name;
    } else {
      if (!isIPv4(claim.ip))
        return this.refuse(fail(400, "name: an IPv6 address has no IP-derived id; give the cluster a name"));
      id = clusterIdFromIp(claim.ip);
    }
    if (!sameAddress(caller.address, claim.ip)) {
      if (claim.proofKey === undefined)
        return this.refuse(unproven(claim, id, caller, `a cluster may register ${claim.ip}`));
      // A request the registry would refuse anyway (the id taken, a wrong token) sends no challenge.
      const early = this.decideRegister(id, claim, caller);
      if ("err" in early) return this.refuse(early.err);
      const failed = await this.challenge(id, claim, claim.proofKey);
      if (failed) return this.refuse(failed);
    }
    // Decided now, on the registry as it is after any challenge, and written without an await in between.
    const plan = this.decideRegister(id, claim, caller);
    if ("err" in plan) return this.refuse(plan.err);
    return this.write(plan.ok);
  }

  /** What a registration of `id` at the claimed address would do to the registry now (synchronous). */
  private decideRegister(id: string, claim: Address, caller: Caller): Parsed<Plan> {
    const { ip, port } = claim;
    const existing = this.registry.get(id);
    const now = this.now();
    if (existing) {
      const bearer = readBearer(caller.authorization);
      if (bearer.kind === "token" && tokenMatches(bearer.token, existing.tokenHash)) {
        const moved = existing.ip !== ip || existing.port !== port;
        const record = { ...existing, ip, port, lastSeen: now };
        return { ok: { record, answer: { status: 200, body: this.view(record) }, event: moved ? "moved" : "renewed" } };
      }
      if (bearer.kind === "malformed" || (bearer.kind === "token" && !looksLikeClusterToken(bearer.token))) {
        return { err: fail(401, "the Authorization header must be 'Bearer <cluster token>'") };
      }
      if (bearer.kind === "token")
        return { err: fail(403, `that token does not belong to cluster ${JSON.stringify(id)}`) };
      return {
        err: fail(
          409,
          `cluster ${JSON.stringify(id)} is already registered; renew or move it with its token (shown once, when it was created), or wait until it expires`,
        ),
      };
    }
    const token = newToken();
    const record = { id, ip, port, tokenHash: hashToken(token), createdAt: now, lastSeen: now };
    return { ok: { record, answer: { status: 201, body: { id, token, hosts: this.hosts(id) } }, event: "created" } };
  }

  /** Write a decided change; the answer goes out once it is durable. */
  private async write(plan: Plan): Promise<Outcome> {
    await this.registry.put(plan.record);
    this.counters[plan.event]++;
    return plan.answer;
  }

  /**
   * Challenge the claimed address (core/gateway-proof.ts): undefined when it proved itself, else the refusal
   * (403 naming what the address answered, or 503 when too many challenges are running).
   */
  private async challenge(id: string, claim: Address, proofKey: string): Promise<Outcome | undefined> {
    const host = clusterHost(refOf(id), this.opts.baseDomain);
    const proof = await this.proofs.prove({ clusterId: id, ip: claim.ip, port: claim.port, host, proofKey });
    if (proof.result === "passed") return undefined;
    if (proof.result === "busy") {
      return fail(503, "the gateway is running too many address proofs at once; retry in 5 s", {
        "retry-after": "5",
      });
    }
    const where = `${origin(claim.ip, claim.port)}${proofPath(id)} (Host: ${host})`;
    return fail(
      403,
      `ip: the address proof failed: GET ${where} ${proof.detail}. Fix: the cluster at ${claim.ip} must answer that path with the signature by the key whose public half is proofKey (check the load balancer's health checks and targets, and the route in the cluster's Traefik)`,
    );
  }

  async move(id: string, body: unknown, caller: Caller): Promise<Outcome> {
    const auth = this.authorise(id, caller, false);
    if ("err" in auth) return this.refuse(auth.err);
    // The body of a registration is accepted as is (clients resend it to confirm their address); a name in it must
    // be this cluster's, since an id never changes.
    const parsed = parseAddress(body, BODY_FIELDS, this.opts.allowPrivate);
    if ("err" in parsed) return this.refuse(parsed.err);
    const claim = parsed.ok;
    const { ip, port, name } = claim;
    if (name !== undefined && name !== id) {
      return this.refuse(
        fail(400, `name: a cluster keeps its id; ${JSON.stringify(name)} is not ${JSON.stringify(id)}`),
      );
    }
    const fixed = ipFromClusterId(id);
    if (fixed !== undefined && fixed !== ip) {
      return this.refuse(
        fail(
          409,
          `cluster ${id} is named after ${fixed} and cannot move to ${ip}; register the new address as its own cluster`,
        ),
      );
    }
    let current = auth.ok;
    if (!sameAddress(caller.address, ip)) {
      if (claim.proofKey === undefined)
        return this.refuse(unproven(claim, id, caller, `cluster ${id} may move to ${ip}`));
      const failed = await this.challenge(id, claim, claim.proofKey);
      if (failed) return this.refuse(failed);
      // The registry may have changed during the challenge (released, or the token's cluster gone): authorise again,
      // and write without another await.
      const again = this.authorise(id, caller, false);
      if ("err" in again) return this.refuse(again.err);
      current = again.ok;
    }
    // authorise() did not await, so `current` is the current record; answer with what was written (a concurrent
    // release may remove it from the registry before the write is durable).
    const record = { ...current, ip, port, lastSeen: this.now() };
    return this.write({ record, answer: { status: 200, body: this.view(record) }, event: "moved" });
  }

  async heartbeat(id: string, caller: Caller): Promise<Outcome> {
    const auth = this.authorise(id, caller, false);
    if ("err" in auth) return this.refuse(auth.err);
    const r = { ...auth.ok, lastSeen: this.now() };
    await this.registry.put(r);
    this.counters.heartbeats++;
    return {
      status: 200,
      body: {
        id,
        lastSeen: new Date(r.lastSeen).toISOString(),
        expiresAt: new Date(r.lastSeen + this.opts.ttlMs).toISOString(),
      },
    };
  }

  async remove(id: string, caller: Caller): Promise<Outcome> {
    const auth = this.authorise(id, caller, true);
    if ("err" in auth) return this.refuse(auth.err);
    await this.registry.delete(id);
    this.counters.released++;
    return { status: 204 };
  }

  async show(id: string, caller: Caller): Promise<Outcome> {
    const auth = this.authorise(id, caller, true);
    if ("err" in auth) return this.refuse(auth.err);
    return { status: 200, body: this.view(auth.ok) };
  }

  /** Release every registration not seen for the TTL; returns how many. */
  async expire(): Promise<number> {
    const ids = this.registry.expiredIds(this.now(), this.opts.ttlMs);
    await Promise.all(ids.map((id) => this.registry.delete(id)));
    this.counters.expired += ids.length;
    return ids.length;
  }
}
