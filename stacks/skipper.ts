/**
 * The example Skipper stack (what `Pulumi.yaml` runs and `kip synth` renders by default): one host, a postgres and a
 * redis service, a web app bound to postgres behind the gateway and a custom domain, a worker without a route, and
 * the console. The host, SSH user, gateway domain and custom domains can be set with `pulumi config set skipper:…`;
 * the SSH private key must be: `pulumi config set --secret skipper:sshPrivateKey < ~/.ssh/id_ed25519`.
 */
import * as pulumi from "@pulumi/pulumi";
import { defineStack } from "../components/define-stack.ts";
import { bareMetal } from "../providers/bare-metal.ts";

// A function, so the config is read when Pulumi runs the program (not when the file is imported).
export default defineStack(() => {
  const config = new pulumi.Config("skipper");
  return {
    cluster: {
      provider: bareMetal({
        hosts: [
          {
            address: config.get("host") ?? "203.0.113.10",
            user: config.get("sshUser") ?? "root",
            // The host's SSH key as `kip hostkey <address>` prints it; when set, any other key is refused.
            ...(config.get("hostKey") ? { hostKey: config.require("hostKey") } : {}),
          },
        ],
      }),
      k3s: { version: "v1.31.4+k3s1" },
    },
    domain: { gateway: config.get("gatewayDomain") ?? "skipper.run", acmeEmail: "ops@example.com" },
    services: {
      db: { engine: "postgres", version: "16", storage: "10Gi" },
      cache: { engine: "redis", version: "7" },
    },
    apps: {
      web: {
        image: "ghcr.io/acme/web:1.4.2",
        port: 3000,
        replicas: 2,
        bind: ["db"],
        env: { NODE_ENV: "production" },
        health: { path: "/healthz" },
        domains: config.getObject<string[]>("domains") ?? ["www.example.com"],
      },
      worker: {
        image: "ghcr.io/acme/worker:1.4.2",
        bind: ["db", "cache"],
        env: { QUEUE: "default" },
      },
    },
    console: { enabled: true },
  };
});
