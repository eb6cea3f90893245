/**
 * `kip gateway serve`: run the subdomain gateway (control plane, data plane and durable registry). The gateway's
 * modules (Fastify among them) are imported inside the action, so other commands never load them; the flag list is
 * shared with the bundled gateway entry (gateway/config.ts, which loads nothing heavy).
 */
import type { Command } from "commander";
import { GATEWAY_OPTIONS } from "../../gateway/config.ts";

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function register(program: Command): void {
  const gateway = program
    .command("gateway")
    .description("the subdomain gateway that gives every app a public HTTPS name");
  const serve = gateway
    .command("serve")
    .description(
      "serve the gateway: the control-plane API on the base domain, the reverse proxy on every name under it",
    );
  for (const o of GATEWAY_OPTIONS) {
    if (!("arg" in o)) serve.option(`--${o.flag}`, o.help);
    else if ("many" in o) serve.option(`--${o.flag} ${o.arg}`, o.help, collect);
    else serve.option(`--${o.flag} ${o.arg}`, o.help);
  }
  serve.action(async (flags) => {
    const { resolveConfig } = await import("../../gateway/config.ts");
    const { runGateway } = await import("../../gateway/main.ts");
    await runGateway(resolveConfig(flags));
  });
}
