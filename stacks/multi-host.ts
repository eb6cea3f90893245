/**
 * A cluster of three machines: two servers (the first initialises the cluster, the second joins as a server) and
 * one agent. The first host's key is pinned, so a different key is refused before any command runs there.
 */
import { defineStack } from "../components/define-stack.ts";
import { bareMetal } from "../providers/bare-metal.ts";

export default defineStack({
  cluster: {
    name: "acme",
    provider: bareMetal({
      hosts: [
        {
          address: "198.51.100.10",
          role: "server",
          tlsSans: ["k8s.acme.example"],
          // As `ssh-keyscan -t ed25519 198.51.100.10` prints it (without the host name); `kip init` fills it in.
          hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICt6VsLt8Ei5WH1yyOZLAS+fSWaVPi0e7A4P0NgUeaXn",
        },
        { address: "198.51.100.11", role: "server" },
        { address: "198.51.100.20", role: "agent", user: "deploy", port: 2222 },
      ],
    }),
    k3s: { version: "v1.31.4+k3s1" },
  },
  // .example is no public suffix: the Let's Encrypt contact cannot be guessed from the custom domain, so it is given.
  domain: { gateway: "skipper.run", acmeEmail: "ops@acme.example" },
  services: {
    db: { engine: "postgres", version: "16", storage: "20Gi", project: "shop" },
    sessions: { engine: "redis", project: "shop" },
    search: { engine: "mongodb", project: "shop" },
    legacy: { engine: "mysql", project: "shop", deleteDataOnDestroy: true },
  },
  apps: {
    storefront: {
      image: "ghcr.io/acme/storefront:2.0.0",
      port: 8080,
      replicas: 3,
      project: "shop",
      bind: ["db", "sessions", "search"],
      health: { path: "/ready" },
      domains: ["shop.acme.example"],
      secretEnv: ["STRIPE_KEY"],
    },
    admin: { image: "ghcr.io/acme/admin:2.0.0", port: 3000, project: "shop", bind: ["db", "legacy"], public: false },
    docs: { image: "ghcr.io/acme/docs:1.0.0", port: 80 },
  },
  console: { enabled: false },
});
