/**
 * A dedicated subdomain gateway: one small host running k3s and the Skipper gateway, which gives every app of every
 * registered Skipper cluster a free HTTPS name `<app>-<cluster-id>.<base>` under one wildcard certificate.
 *
 * Run it as its own Pulumi project (a `Pulumi.yaml` whose `main` is this file), or render it offline with
 * `kip synth stacks/gateway.ts`. Settings (`pulumi config set skipper:<key> …`):
 *   gatewayHost         public IPv4 address of the host (also the target of the DNS records)
 *   gatewayDomain       the base domain, a zone (or a subdomain of one) on Cloudflare, e.g. skipper.run
 *   cloudflareZoneId    the Cloudflare zone holding it
 *   acmeEmail           Let's Encrypt account e-mail (optional)
 * and the secrets:
 *   pulumi config set --secret skipper:sshPrivateKey < ~/.ssh/id_ed25519
 *   pulumi config set --secret skipper:cloudflareApiToken <token with Zone:DNS:Edit on the zone>
 * Outputs: the gateway's URL, its admin token (secret; for /metrics) and the kubeconfig (secret).
 */
import * as pulumi from "@pulumi/pulumi";
import { Gateway } from "../components/gateway.ts";
import { K3sCluster } from "../components/k3s-cluster.ts";
import { renderAddons } from "../core/render/addons.ts";
import { validateStack } from "../core/validate/stack.ts";
import { bareMetal } from "../providers/bare-metal.ts";
import { requireSecretConfig, secretPlaceholdersEnabled } from "../providers/secret-config.ts";

/** A required plain setting; under `kip synth` a visible placeholder stands in for a missing one. */
function requireSetting(config: pulumi.Config, key: string, example: string): string {
  const value = config.get(key);
  if (value !== undefined) return value;
  if (secretPlaceholdersEnabled()) return `<config:skipper:${key}>`;
  throw new Error(`missing config 'skipper:${key}'. Set it with: pulumi config set skipper:${key} ${example}`);
}

export default function gatewayStack() {
  const config = new pulumi.Config("skipper");
  const address = config.get("gatewayHost") ?? "198.51.100.50";
  const baseDomain = config.get("gatewayDomain") ?? "skipper.run";
  const acmeEmail = config.get("acmeEmail");

  const infra = bareMetal({ hosts: [{ address, user: config.get("sshUser") ?? "root" }] });
  const stack = validateStack({
    cluster: { hosts: infra.hosts, k3s: { version: "v1.31.4+k3s1" } },
    ...(acmeEmail ? { domain: { acmeEmail } } : {}),
    console: { enabled: false },
  });
  // Traefik must see callers' own addresses: the gateway grants an IP-derived id only to the IP it names.
  const addons = renderAddons(stack, { preserveClientIp: true });
  const cluster = new K3sCluster("gateway-cluster", { cluster: stack.cluster, infra, addons });

  const gateway = new Gateway("gateway", {
    baseDomain,
    publicIp: address,
    cloudflareZoneId: requireSetting(config, "cloudflareZoneId", "<zone id from the Cloudflare dashboard>"),
    cloudflareApiToken: requireSecretConfig(
      "skipper:cloudflareApiToken",
      `the Cloudflare API token that edits DNS of ${baseDomain}`,
      "pulumi config set --secret skipper:cloudflareApiToken <token>",
    ),
    cluster,
    ...(acmeEmail ? { acmeEmail } : {}),
  });

  return { url: gateway.url, adminToken: gateway.adminToken, kubeconfig: cluster.kubeconfig };
}
