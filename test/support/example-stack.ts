/**
 * The example stack of issue 2 as a `StackSpec`: one host, postgres and redis, a web app bound to postgres with two
 * replicas, a health path and a custom domain, a worker without a route, the gateway domain and the console.
 */
import type { Host } from "../../core/model.ts";
import type { StackSpec } from "../../core/spec.ts";

export const EXAMPLE_SPEC: StackSpec = {
  cluster: { hosts: [{ address: "203.0.113.10", user: "root" }], k3s: { version: "v1.31.4+k3s1" } },
  domain: { gateway: "skipper.run", acmeEmail: "ops@example.com" },
  services: {
    db: { engine: "postgres", version: "16", storage: "10Gi" },
    cache: { engine: "redis" },
  },
  apps: {
    web: {
      image: "ghcr.io/acme/web:1.4.2",
      port: 3000,
      replicas: 2,
      bind: ["db", "cache"],
      env: { NODE_ENV: "production" },
      secretEnv: ["SESSION_SECRET"],
      health: { path: "/healthz" },
      domains: ["shop.example.com"],
    },
    worker: { image: "ghcr.io/acme/worker:1.4.2", bind: ["db"], command: ["node", "worker.js"] },
  },
  console: { enabled: true },
};

/** The example stack's one server as validation makes it (what registration and host-step tests take as `host`). */
export const EXAMPLE_HOST: Host = {
  index: 0,
  address: "203.0.113.10",
  user: "root",
  port: 22,
  role: "server",
  tlsSans: ["203.0.113.10"],
  nodeName: "node-1",
};
