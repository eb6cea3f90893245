/**
 * `kip gateway serve`: run the subdomain gateway (control plane, data plane and durable registry). The gateway's
 * modules (Fastify among them) are imported inside the action, so other commands never load them.
 */
import type { Command } from "commander";

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function register(program: Command): void {
  const gateway = program
    .command("gateway")
    .description("the subdomain gateway that gives every app a public HTTPS name");
  gateway
    .command("serve")
    .description(
      "serve the gateway: the control-plane API on the base domain, the reverse proxy on every name under it",
    )
    .option("--port <port>", "port to listen on (env SKIPPER_GATEWAY_PORT)")
    .option("--host <address>", "address to listen on", "0.0.0.0")
    .option("--base-domain <domain>", "domain the names live under, e.g. skipper.run (env SKIPPER_GATEWAY_BASE_DOMAIN)")
    .option("--data <file>", "registry file; its logs are kept beside it (env SKIPPER_GATEWAY_DATA)")
    .option("--allow-private", "accept loopback and private cluster addresses (tests, private networks)")
    .option(
      "--admin-token <token>",
      "token for /metrics and for releasing any cluster (env SKIPPER_GATEWAY_ADMIN_TOKEN)",
    )
    .option("--trusted-proxy <cidr>", "believe X-Forwarded-For from this address range (repeatable)", collect)
    .option("--heartbeat-ttl <duration>", "release clusters not heard from for this long, e.g. 30d, 12h, 90s", "30d")
    .option("--workers <n>", "processes serving requests (the first one owns the registry)", "1")
    .option("--rate-limit <per-minute>", "control-plane requests per minute per client address", "60")
    .option("--rate-burst <n>", "control-plane requests a client may make at once above the rate", "30")
    .option("--drain-timeout <duration>", "on SIGTERM, how long in-flight requests may take to finish", "20s")
    .action(async (flags) => {
      const { resolveConfig } = await import("../../gateway/config.ts");
      const { runGateway } = await import("../../gateway/main.ts");
      await runGateway(resolveConfig(flags));
    });
}
