/**
 * The console-api process (what the stack runs in the cluster, bundled with esbuild): configuration from the
 * environment (config.ts lists it), the Kubernetes API through the pod's ServiceAccount (or `KUBECONFIG`), the first
 * admin when no user exists, one line when ready, a drain on SIGTERM. Exit codes: 2 for configuration errors, 1 for
 * anything else at start.
 */
import { readFileSync } from "node:fs";
import { isMainModule } from "../core/main-module.ts";
import { createConsoleApp } from "./app.ts";
import { generateSigningKey, type SigningKey, signingKeyFromPem } from "./auth/tokens.ts";
import { ConfigError, type ConsoleConfig, configFromEnv, isLoopbackHost } from "./config.ts";
import { loadKubeConfig } from "./kube/client.ts";
import { serveConsole } from "./serve.ts";
import { ensureFirstAdmin } from "./users/bootstrap.ts";

const warn = (line: string) => process.stderr.write(`skipper console: ${line}\n`);

export function loadSigningKey(file: string | undefined): SigningKey {
  if (file === undefined) {
    warn("no SKIPPER_CONSOLE_SIGNING_KEY_FILE: signing with a key made now (sessions end when the process does)");
    return generateSigningKey();
  }
  let pem: string;
  try {
    pem = readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError(`SKIPPER_CONSOLE_SIGNING_KEY_FILE: cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    return signingKeyFromPem(pem, file);
  } catch (err) {
    throw new ConfigError(`SKIPPER_CONSOLE_SIGNING_KEY_FILE: ${(err as Error).message}`);
  }
}

/** Run the console-api described by `config` until a stop signal; resolves when it has drained. */
export async function runConsole(config: ConsoleConfig): Promise<void> {
  const app = await createConsoleApp({
    kube: loadKubeConfig(config.kube),
    signingKey: loadSigningKey(config.signingKeyFile),
    namespace: config.namespace,
    stackFile: config.stackFile,
    ...(config.clusterId !== undefined && { clusterId: config.clusterId }),
    ...(config.gatewayDomain !== undefined && { gatewayDomain: config.gatewayDomain }),
    ...(config.webDir !== undefined && { webDir: config.webDir }),
    secureCookies: !isLoopbackHost(config.host),
    trustedProxies: config.trustedProxies,
  });
  const first = await ensureFirstAdmin(app.console.users, config.admin);
  if (first === "created") warn(`created the first admin, ${config.admin?.email}`);
  if (first === "no-admin-given")
    warn("no users yet: set SKIPPER_ADMIN_EMAIL and SKIPPER_ADMIN_PASSWORD to create the first admin");
  const serving = await serveConsole(app, {
    port: config.port,
    host: config.host,
    readyLine: (url) => `skipper console-api listening on ${url} (namespace ${config.namespace})`,
  });
  await serving.stopped;
}

if (isMainModule(import.meta.url)) {
  try {
    await runConsole(configFromEnv());
  } catch (err) {
    warn(err instanceof ConfigError ? err.message : String((err as Error).stack ?? err));
    process.exit(err instanceof ConfigError ? 2 : 1);
  }
}
