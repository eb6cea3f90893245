/**
 * `kip console serve`: run the console-api against a real cluster (a kubeconfig), configured like the in-cluster
 * process (console-api/config.ts) with flags for where to listen and which kubeconfig.
 * `kip console demo`: run it against the in-memory Kubernetes API, seeded with what `kip synth` renders for a stack,
 * so the console can be tried without a cluster.
 * Fastify, the Kubernetes client and Pulumi (for the demo's synth) load inside the actions only.
 */
import type { Command } from "commander";
import type { K8sObject } from "../../core/k8s.ts";

interface ServeFlags {
  readonly port: string;
  readonly host: string;
  readonly kubeconfig?: string;
  readonly namespace?: string;
  readonly webDir?: string;
}

interface DemoFlags {
  readonly port: string;
  readonly host: string;
  readonly stack?: string;
  readonly webDir?: string;
}

function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535)
    throw new Error(`--port must be a whole number between 0 and 65535 (got ${value})`);
  return n;
}

/** The built web console: the flag, else SKIPPER_CONSOLE_WEB_DIR, else console/dist when it exists. */
async function webDirOf(flag: string | undefined): Promise<string | undefined> {
  const { existsSync } = await import("node:fs");
  const { resolve } = await import("node:path");
  const dir = flag ?? process.env["SKIPPER_CONSOLE_WEB_DIR"];
  if (dir !== undefined) {
    if (!existsSync(resolve(dir, "index.html")))
      throw new Error(`--web-dir ${dir}: no index.html there; build the console first (npm run build in console/)`);
    return resolve(dir);
  }
  const built = resolve("console/dist");
  return existsSync(resolve(built, "index.html")) ? built : undefined;
}

/** The Kubernetes objects among `kip synth`'s files (`k8s/**.yaml`, one object each). */
async function objectsOf(files: ReadonlyMap<string, string>): Promise<K8sObject[]> {
  const { K8S_DIR } = await import("../synth/capture.ts");
  const { parse } = await import("yaml");
  return [...files]
    .filter(([path]) => path.startsWith(`${K8S_DIR}/`) && path.endsWith(".yaml"))
    .map(([, text]) => parse(text) as K8sObject);
}

export function register(program: Command): void {
  const console = program.command("console").description("the web console's backend (console-api)");

  console
    .command("serve")
    .description("serve the console-api against a cluster through a kubeconfig")
    .option("-p, --port <port>", "port to listen on", "8080")
    .option("--host <address>", "address to listen on", "127.0.0.1")
    .option("--kubeconfig <file>", "kubeconfig of the cluster (default: $KUBECONFIG)")
    .option(
      "--namespace <name>",
      "namespace of the console's users and audit log (default: $SKIPPER_CONSOLE_NAMESPACE or skipper-console)",
    )
    .option("--web-dir <dir>", "serve this built web console too (default: console/dist when built)")
    .addHelpText(
      "after",
      "\nThe first admin comes from SKIPPER_ADMIN_EMAIL and SKIPPER_ADMIN_PASSWORD when the cluster has no console user yet.\n" +
        "Tokens are signed with SKIPPER_CONSOLE_SIGNING_KEY_FILE (PEM, Ed25519 or P-256) or a key made at start.\n" +
        "The kubeconfig's user needs the permissions in core/console/permissions.ts.",
    )
    .action(async (flags: ServeFlags) => {
      const { configFromEnv } = await import("../../console-api/config.ts");
      const { runConsole } = await import("../../console-api/main.ts");
      const env: Record<string, string | undefined> = {
        ...process.env,
        PORT: String(port(flags.port)),
        HOST: flags.host,
      };
      if (flags.kubeconfig !== undefined) {
        env["KUBECONFIG"] = flags.kubeconfig;
        delete env["KUBERNETES_SERVICE_HOST"];
      }
      if (flags.namespace !== undefined) env["SKIPPER_CONSOLE_NAMESPACE"] = flags.namespace;
      const webDir = await webDirOf(flags.webDir);
      if (webDir !== undefined) env["SKIPPER_CONSOLE_WEB_DIR"] = webDir;
      await runConsole(configFromEnv(env));
    });

  console
    .command("demo")
    .description("try the console without a cluster: an in-memory Kubernetes API seeded from a stack (nothing is real)")
    .option("-p, --port <port>", "port to listen on", "8080")
    .option("--host <address>", "address to listen on", "127.0.0.1")
    .option("--stack <file>", "stack to render (default: `main` of Pulumi.yaml)")
    .option("--web-dir <dir>", "serve this built web console (default: console/dist when built)")
    .addHelpText(
      "after",
      "\nLog in with SKIPPER_ADMIN_EMAIL and SKIPPER_ADMIN_PASSWORD when set; otherwise a demo admin is made and printed.",
    )
    .action(async (flags: DemoFlags) => {
      const listenPort = port(flags.port);
      const { resolveStackTarget } = await import("../synth/load.ts");
      const target = resolveStackTarget(flags.stack, process.cwd());
      process.stderr.write(`kip console demo: rendering ${target.shown} (as kip synth does)\n`);
      const { synthStackInWorker } = await import("../synth/run.ts");
      const objects = await objectsOf((await synthStackInWorker(target)).files);
      const { startDemo } = await import("../../console-api/demo.ts");
      const { serveConsole } = await import("../../console-api/serve.ts");
      const email = process.env["SKIPPER_ADMIN_EMAIL"];
      const password = process.env["SKIPPER_ADMIN_PASSWORD"];
      const webDir = await webDirOf(flags.webDir);
      const demo = await startDemo({
        objects,
        host: flags.host,
        stackFile: target.shown,
        ...(email && password ? { admin: { email, password } } : {}),
        ...(webDir !== undefined && { webDir }),
      });
      const say = (line: string) => process.stderr.write(`kip console demo: ${line}\n`);
      if (demo.skipped.length > 0)
        say(
          `left out ${demo.skipped.length} objects the in-memory API does not hold (${[...new Set(demo.skipped.map((s) => s.split("/")[0]))].join(", ")})`,
        );
      if (demo.admin.generated) say(`log in as ${demo.admin.email} with password ${demo.admin.password}`);
      else say(`log in as ${demo.admin.email} (the password in SKIPPER_ADMIN_PASSWORD)`);
      if (webDir === undefined) say("the web console is not built (npm run build in console/): serving the API only");
      const serving = await serveConsole(demo.app, {
        port: listenPort,
        host: flags.host,
        readyLine: (url) =>
          `skipper console DEMO on ${url}: an in-memory Kubernetes API seeded from ${target.shown}, no real cluster`,
        onStopped: () => demo.stop(),
      });
      await serving.stopped;
    });
}
