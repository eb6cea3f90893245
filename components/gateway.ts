/**
 * `Gateway`: the subdomain gateway deployed into a k3s cluster (DESIGN.md §6): the gateway program (bundled from
 * `gateway/main.ts`, shipped in a ConfigMap, run in a pinned public Node image: no private registry needed), its
 * registry volume, a wildcard certificate for `<base>` and `*.<base>` from Let's Encrypt through cert-manager DNS-01
 * on Cloudflare, Traefik routing for those hosts, a generated admin token, and the Cloudflare DNS records.
 *
 * The DNS records are DNS-only (not proxied through Cloudflare): the gateway must see each caller's own address to
 * grant an IP-derived cluster id; the wildcard certificate is ours, so traffic stays encrypted up to our Traefik and
 * is readable by no third party; WebSockets and long streams are not cut at Cloudflare's proxy limits; and
 * Cloudflare's free edge certificate does not cover `*.<base>` when the base is itself a subdomain of the zone.
 *
 * The registry claim and its namespace are kept when the gateway leaves the stack (`retainOnDelete`) unless
 * `deleteDataOnDestroy` is set: losing it would drop every cluster's registration and token. A destroy of the whole
 * stack deletes no in-cluster object one by one (they go with the cluster), so there the claim's fate is the
 * provider's: on bare metal it stays on the host even with `deleteDataOnDestroy` (the release-data step covers
 * services' volumes, not this claim).
 */
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { K8sObject } from "../core/k8s.ts";
import { isIPv4 } from "../core/naming.ts";
import type { CodeBundle } from "../core/render/code-bundle.ts";
import { gatewaySecrets, renderGateway } from "../core/render/gateway.ts";
import { type GatewayConfig, type GatewayInput, gatewayConfig } from "../core/render/gateway-config.ts";
import { bundleEntry } from "./code-bundle.ts";
import { DnsRecords } from "./dns.ts";
import { createNamespaceFirst } from "./namespace-first.ts";
import { type ClusterTarget, inClusterOptions } from "./options.ts";

/** The gateway program's entry, relative to the repository root (it starts itself when run as the main module). */
export const GATEWAY_ENTRY = "gateway/main.ts";

/** The gateway bundle, built once per process. */
export function gatewayBundle(): CodeBundle {
  return bundleEntry({ entry: GATEWAY_ENTRY, fileName: "gateway.mjs" });
}

export interface GatewayArgs extends Omit<GatewayInput, "bundle"> {
  /** The cluster to deploy into: its Kubernetes provider, and the install step in-cluster objects are deleted with. */
  readonly cluster: ClusterTarget;
  /** The public IPv4 address of the gateway's host (the target of the DNS records). */
  readonly publicIp: pulumi.Input<string>;
  /** The Cloudflare zone that holds `baseDomain`. */
  readonly cloudflareZoneId: pulumi.Input<string>;
  /**
   * A Cloudflare API token with Zone:DNS:Edit on that zone. Used by cert-manager (through a Secret) for DNS-01 and,
   * unless `cloudflareProvider` is given, for the DNS records. Treated as a secret whatever is passed.
   */
  readonly cloudflareApiToken: pulumi.Input<string>;
  /** Provider for the DNS records. @default one created from `cloudflareApiToken` */
  readonly cloudflareProvider?: cloudflare.Provider;
  /** The bundled program. @default `gateway/main.ts` bundled with esbuild */
  readonly bundle?: CodeBundle;
  /** Delete the registry volume on destroy. @default false (kept, with its namespace) */
  readonly deleteDataOnDestroy?: boolean;
}

/** The DNS records of a gateway: the base (control plane) and the wildcard (every cluster and app), both to one IP. */
export function gatewayDnsRecords(cfg: GatewayConfig, ip: pulumi.Input<string>) {
  return [
    { name: cfg.baseDomain, type: "A" as const, content: ip, proxied: false, ttl: 1, comment: "Skipper gateway" },
    {
      name: `*.${cfg.baseDomain}`,
      type: "A" as const,
      content: ip,
      proxied: false,
      ttl: 1,
      comment: "Skipper gateway",
    },
  ];
}

/** Kinds that hold the registry's data: kept on destroy unless the user opts in. */
const DATA_KINDS = new Set(["PersistentVolumeClaim", "Namespace"]);

export class Gateway extends pulumi.ComponentResource {
  /** `https://<base>`: the control plane. */
  readonly url: string;
  readonly baseDomain: string;
  /** Admin token for `/metrics` and status (secret). */
  readonly adminToken: pulumi.Output<string>;
  /** The bundle the pods run (hash in the pod template). */
  readonly bundle: CodeBundle;
  /** The Kubernetes objects by `<Kind>/<name>`. */
  readonly objects: ReadonlyMap<string, pulumi.CustomResource>;
  readonly dns: DnsRecords;

  constructor(name: string, args: GatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    const { cluster, publicIp, cloudflareZoneId, cloudflareProvider, deleteDataOnDestroy, ...input } = args;
    // Validated before anything is registered: a bad argument leaves no half-made component behind.
    if (typeof publicIp === "string" && !isIPv4(publicIp)) {
      throw new Error(
        `Gateway ${name}: publicIp must be the dotted IPv4 address of the gateway host (got "${publicIp}")`,
      );
    }
    const bundle = args.bundle ?? gatewayBundle();
    const cfg = gatewayConfig({ ...input, bundle });
    super("skipper:gateway:Gateway", name, {}, opts);
    this.bundle = bundle;
    this.baseDomain = cfg.baseDomain;
    this.url = `https://${cfg.baseDomain}`;

    const admin = new random.RandomPassword(`${name}-admin-token`, { length: 48, special: false }, { parent: this });
    this.adminToken = pulumi.secret(admin.result);
    const cloudflareToken = pulumi.secret(args.cloudflareApiToken);

    const objects: K8sObject[] = [
      ...gatewaySecrets(cfg, { adminToken: this.adminToken, cloudflareApiToken: cloudflareToken }),
      ...renderGateway(cfg),
    ];
    this.objects = createNamespaceFirst(cfg.namespace, objects, (obj) =>
      inClusterOptions(
        this,
        cluster,
        opts,
        DATA_KINDS.has(obj.kind) && !deleteDataOnDestroy ? { retainOnDelete: true } : {},
      ),
    );

    const provider =
      cloudflareProvider ??
      new cloudflare.Provider(`${name}-cloudflare`, { apiToken: cloudflareToken }, { parent: this });
    this.dns = new DnsRecords(
      `${name}-dns`,
      { zoneId: cloudflareZoneId, base: cfg.baseDomain, records: gatewayDnsRecords(cfg, publicIp), provider },
      { parent: this },
    );

    this.registerOutputs({ url: this.url, adminToken: this.adminToken });
  }
}
