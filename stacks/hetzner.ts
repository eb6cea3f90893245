/**
 * Example stack on Hetzner Cloud: three new servers (one control-plane server, two agents) in Falkenstein on a private
 * network, behind a load balancer and a firewall, with a postgres service on a Hetzner volume and a web app bound to
 * it behind the gateway. The servers' addresses are known only once they exist, so the cluster has a chosen name.
 *
 * Set up:
 *   pulumi config set --secret hcloud:token <token>      # Hetzner project > Security > API tokens (read & write)
 *   pulumi config set skipper:apiSources '["198.51.100.7/32"]' --path   # optional: who may reach the Kubernetes API
 * Look at what it renders without any credentials: `kip synth stacks/hetzner.ts`.
 */
import * as pulumi from "@pulumi/pulumi";
import { defineStack } from "../components/define-stack.ts";
import { hetzner } from "../providers/hetzner.ts";

// A function, so the config is read when Pulumi runs the program (not when the file is imported).
export default defineStack(() => {
  const config = new pulumi.Config("skipper");
  const apiSources = config.getObject<string[]>("apiSources");
  return {
    cluster: {
      // Needed: the gateway id cannot come from addresses that do not exist yet.
      name: config.get("clusterName") ?? "acme",
      provider: hetzner({
        location: config.get("location") ?? "fsn1",
        serverType: config.get("serverType") ?? "cx22",
        image: "ubuntu-24.04",
        count: { servers: 1, agents: 2 },
        ...(apiSources ? { firewall: { apiSources } } : {}),
        loadBalancer: true,
      }),
      k3s: { version: "v1.31.4+k3s1" },
    },
    domain: { gateway: config.get("gatewayDomain") ?? "skipper.run", acmeEmail: "ops@example.com" },
    services: {
      db: { engine: "postgres", version: "16", storage: "10Gi" },
    },
    apps: {
      web: {
        image: "ghcr.io/acme/web:1.4.2",
        port: 3000,
        replicas: 2,
        bind: ["db"],
        env: { NODE_ENV: "production" },
        health: { path: "/healthz" },
      },
    },
  };
});
