/**
 * `GatewayRegistration`: registers a cluster with a subdomain gateway, from the cluster's first server over SSH, so
 * the request's source address proves the IP an IP-derived id is granted for (DESIGN.md §6). Then it keeps the
 * registration alive from inside the cluster with a CronJob that sends a heartbeat every six hours.
 *
 * Behind a load balancer (`challenge: true`) the source address is the server's, not the address the gateway is to
 * relay to, so the address is proven by challenge instead (core/gateway-proof.ts): the component generates an
 * Ed25519 key (a `RandomPassword` seed, as the console's signing key), deploys the proof responder
 * (core/render/gateway-proof.ts) with it, and the registration sends its public half as `proofKey` once the
 * responder's objects are ready.
 *
 * Steps:
 *  0. With `challenge`: in the cluster, the registration's Namespace and the proof responder (ConfigMap, key Secret,
 *     Deployment, Service, NetworkPolicy, Ingress); the register step waits for them.
 *  1. `<name>-register` (remote): POST `/v1/clusters`, or PUT the current address when this host already holds a
 *     token (safe to run again; runs again when the address or port changes). The token stays in a root-only file;
 *     it is never printed, and never on a command line. On destroy it releases the id.
 *  2. `<name>-token` (remote): prints the token; its stdout is a secret and is not logged.
 *  3. In the cluster: a Secret with the token and the CronJob (`core/render/heartbeat.ts`).
 */
import { remote } from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { rawPublicKey, signingKeyPem } from "../core/ed25519-key.ts";
import { UNKNOWN_ADDRESS } from "../core/k3s/addresses.ts";
import type { Host, Stack } from "../core/model.ts";
import { consoleHost } from "../core/naming.ts";
import type { CodeBundle } from "../core/render/code-bundle.ts";
import { gatewayProofConfig, gatewayProofSecret, renderGatewayProof } from "../core/render/gateway-proof.ts";
import {
  type RegistrationInput,
  readTokenScript,
  registerScript,
  registrationConfig,
  releaseScript,
} from "../core/render/gateway-registration.ts";
import { heartbeatConfig, heartbeatSecret, renderHeartbeat } from "../core/render/heartbeat.ts";
import type { SshConnection } from "../providers/infra-provider.ts";
import { bundleEntry } from "./code-bundle.ts";
import { createInNamespace, createNamespaceFirst } from "./namespace-first.ts";
import { type ClusterTarget, inClusterOptions } from "./options.ts";

/** The proof responder's entry, relative to the repository root. */
export const PROOF_RESPONDER_ENTRY = "gateway/proof/main.ts";

/** The proof responder bundle, built once per process. */
export function proofResponderBundle(): CodeBundle {
  return bundleEntry({ entry: PROOF_RESPONDER_ENTRY, fileName: "gateway-proof.mjs" });
}

export interface GatewayRegistrationArgs extends Omit<RegistrationInput, "ip" | "proofKey"> {
  /** The cluster's first server: the registration runs there. An Output when its address is known only later. */
  readonly host: pulumi.Input<Host>;
  /** How to reach it over SSH (the same connection the k3s steps use). */
  readonly connection: pulumi.Input<SshConnection>;
  /**
   * The address the gateway proxies to; an Output when it is known only once the machines exist (the cluster must
   * then have a `name`). @default host.address (must then be an IPv4 address)
   */
  readonly ip?: pulumi.Input<string>;
  /** Where the heartbeat CronJob goes: the cluster's provider and install step. */
  readonly cluster: ClusterTarget;
  /** Namespace of the heartbeat. @default "skipper-registration" */
  readonly heartbeatNamespace?: string;
  /** Image of the heartbeat. @default a pinned curl image */
  readonly heartbeatImage?: string;
  /**
   * Prove the address by challenge rather than by the request's source: needed when `ip` is not the first server's
   * own address (a load balancer). Deploys the proof responder and generates its key. @default false
   */
  readonly challenge?: boolean;
  /** The bundled proof responder (with `challenge`). @default `gateway/proof/main.ts` bundled with esbuild */
  readonly proofBundle?: CodeBundle;
}

/** Public host names the registration gives the cluster. */
export interface RegisteredHosts {
  /** `<id>.<base>` */
  readonly cluster: string;
  /** `console-<id>.<base>` (or `console--<name>.<base>`) */
  readonly console: string;
}

export class GatewayRegistration extends pulumi.ComponentResource {
  /** The id the gateway knows the cluster by (dashed IP or the chosen name). */
  readonly clusterId: string;
  readonly hosts: RegisteredHosts;
  /** The registration token (secret). */
  readonly token: pulumi.Output<string>;
  /** The registration step (other steps that need the gateway to know the cluster can wait for it). */
  readonly register: remote.Command;
  /** With `challenge`: the public key the address is proven with (raw Ed25519, base64url). */
  readonly proofKey?: pulumi.Output<string>;
  readonly objects: ReadonlyMap<string, pulumi.CustomResource>;

  constructor(name: string, args: GatewayRegistrationArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validated before anything is registered: a bad argument leaves no half-made component behind. An address that
    // is not known yet is checked when it is (a named cluster's id does not depend on it).
    const { challenge = false, proofBundle, ...input } = args;
    const cfg = registrationConfig({ ...input, ip: knownIp(args) ?? UNKNOWN_ADDRESS });
    const hb = heartbeatConfig({
      baseDomain: cfg.baseDomain,
      clusterId: cfg.clusterId,
      ...(args.heartbeatNamespace ? { namespace: args.heartbeatNamespace } : {}),
      ...(args.heartbeatImage ? { image: args.heartbeatImage } : {}),
    });
    const proof = challenge
      ? gatewayProofConfig({
          clusterId: cfg.clusterId,
          clusterHost: cfg.clusterHost,
          namespace: hb.namespace,
          bundle: proofBundle ?? proofResponderBundle(),
        })
      : undefined;
    super("skipper:gateway:GatewayRegistration", name, {}, opts);
    this.clusterId = cfg.clusterId;
    this.hosts = { cluster: cfg.clusterHost, console: consoleHost(cfg.ref, cfg.baseDomain) };
    const inCluster = () => inClusterOptions(this, args.cluster, opts);
    const [namespace, ...heartbeatObjects] = renderHeartbeat(hb);
    if (namespace?.kind !== "Namespace") throw new Error("the heartbeat renders its Namespace first");

    // With a challenge: the key (its seed kept in state, so the key is stable), the responder, and the Namespace
    // they live in, before the registration that is proven through them.
    let proofObjects: Map<string, pulumi.CustomResource> | undefined;
    let proofKey: pulumi.Output<string | undefined> = pulumi.output(undefined);
    if (proof) {
      const seed = new random.RandomPassword(`${name}-proof-key`, { length: 64, special: false }, { parent: this });
      const pem = pulumi.secret(seed.result.apply(signingKeyPem));
      // The public half is no secret: it travels in the registration body and the script.
      this.proofKey = pulumi.unsecret(pem.apply(rawPublicKey));
      proofKey = this.proofKey;
      proofObjects = createNamespaceFirst(
        hb.namespace,
        [namespace, gatewayProofSecret(proof, pem), ...renderGatewayProof(proof)],
        inCluster,
      );
    }
    const live = pulumi.all([args.host, args.ip, proofKey]).apply(([host, ip, key]) => ({
      host,
      cfg: registrationConfig({ ...input, ip: ip ?? host.address, ...(key === undefined ? {} : { proofKey: key }) }),
    }));

    const timeout = `${cfg.waitSeconds + 120}s`;
    this.register = new remote.Command(
      `${name}-register`,
      {
        connection: args.connection,
        create: live.apply((l) => registerScript(l.cfg, l.host)),
        delete: live.apply((l) => releaseScript(l.cfg, l.host)),
        // Another gateway or another id is another registration: release the old one first (deleteBeforeReplace).
        // A new address or port is not: `create` runs again with it and moves the registration.
        triggers: [cfg.baseDomain, cfg.clusterId],
        addPreviousOutputInEnv: false,
      },
      {
        parent: this,
        // What the component waits for (k3s Ready), its first step waits for too; and the proof responder.
        ...dependsOnAlso(opts?.dependsOn, [...(proofObjects?.values() ?? [])]),
        deleteBeforeReplace: true,
        customTimeouts: { create: timeout, update: timeout, delete: "2m" },
      },
    );

    const read = new remote.Command(
      `${name}-token`,
      {
        connection: args.connection,
        create: live.apply((l) => readTokenScript(l.cfg, l.host)),
        // Read again whenever the registration step ran (a new registration means a new token).
        triggers: [this.register.stdout],
        logging: "none",
        addPreviousOutputInEnv: false,
      },
      { parent: this, dependsOn: [this.register], additionalSecretOutputs: ["stdout"] },
    );
    this.token = pulumi.secret(read.stdout.apply((s) => (s ?? "").trim()));

    const secret = heartbeatSecret(hb, {
      token: this.token,
      authorization: pulumi.secret(pulumi.interpolate`Authorization: Bearer ${this.token}`),
    });
    const nsResource = proofObjects?.get(`Namespace/${hb.namespace}`);
    this.objects = nsResource
      ? new Map([
          ...(proofObjects ?? []),
          ...createInNamespace(nsResource, hb.namespace, [...heartbeatObjects, secret], inCluster),
        ])
      : createNamespaceFirst(hb.namespace, [namespace, ...heartbeatObjects, secret], inCluster);

    this.registerOutputs({
      clusterId: this.clusterId,
      hosts: this.hosts,
      token: this.token,
      ...(this.proofKey ? { proofKey: this.proofKey } : {}),
    });
  }
}

/** `dependsOn` of the component, plus `more` (none: unchanged). */
function dependsOnAlso(
  given: pulumi.ComponentResourceOptions["dependsOn"],
  more: readonly pulumi.Resource[],
): { dependsOn?: pulumi.CustomResourceOptions["dependsOn"] } {
  if (more.length === 0) return given === undefined ? {} : { dependsOn: given };
  const list = given === undefined ? [] : Array.isArray(given) ? given : [given];
  return { dependsOn: [...(list as pulumi.Input<pulumi.Resource>[]), ...more] };
}

/** The address of a registration when it is a plain value (an Output is known only later). */
function knownIp(args: GatewayRegistrationArgs): string | undefined {
  if (args.ip !== undefined) return typeof args.ip === "string" ? args.ip : undefined;
  return pulumi.Output.isInstance(args.host) || isPromise(args.host) ? undefined : (args.host as Host).address;
}

function isPromise(v: unknown): v is Promise<unknown> {
  return typeof (v as { then?: unknown } | undefined)?.then === "function";
}

/** The first server of a cluster as `defineStack` knows it: the host, its SSH connection, its last bootstrap step. */
export interface FirstServer {
  /** The host (with its real address: an Output when that is known only once the machine exists). */
  readonly host: pulumi.Input<Host>;
  /**
   * The cluster's public address, when it is not the host's own (a load balancer, or an address known only later).
   * Used for a named cluster; an IP-derived id registers its IP. @default host.address
   */
  readonly address?: pulumi.Input<string>;
  readonly connection: pulumi.Input<SshConnection>;
  /** Registration waits for it (k3s installed and Ready). @default none */
  readonly ready?: pulumi.Resource;
  /**
   * `address` is a load balancer's: requests from the server do not come from it, so a named cluster proves it by
   * challenge (the proof responder is deployed). @default false
   */
  readonly loadBalanced?: boolean;
}

/**
 * The registration of a validated stack's cluster with its gateway (`domain.gateway`), named `gateway-registration`;
 * undefined when the stack uses no gateway. A named cluster registers its name, otherwise the first server's IP. A
 * named cluster behind a load balancer proves its address by challenge.
 */
export function registerStackCluster(
  stack: Stack,
  cluster: ClusterTarget,
  first: FirstServer,
  opts?: pulumi.ComponentResourceOptions,
): GatewayRegistration | undefined {
  const baseDomain = stack.domain.gateway;
  if (!baseDomain) return undefined;
  const ref = stack.cluster.ref;
  return new GatewayRegistration(
    "gateway-registration",
    {
      baseDomain,
      host: first.host,
      connection: first.connection,
      ...(ref.kind === "name"
        ? {
            name: ref.name,
            ...(first.address === undefined ? {} : { ip: first.address }),
            ...(first.loadBalanced && first.address !== undefined ? { challenge: true } : {}),
          }
        : { ip: ref.ip }),
      cluster,
    },
    { ...opts, ...(first.ready ? { dependsOn: [first.ready] } : {}) },
  );
}
