/**
 * `kip logs APP [-f] [--tail N] [--project P]`: an app's (or service's) logs through the Kubernetes API.
 */
import { type Command, InvalidArgumentError } from "commander";

interface LogsFlags {
  readonly follow?: boolean;
  readonly tail?: number;
  readonly project?: string;
  readonly container?: string;
  readonly previous?: boolean;
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly stack?: string;
  readonly cwd?: string;
}

function count(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("a whole number of lines, 0 or more");
  return n;
}

export function register(program: Command): void {
  program
    .command("logs")
    .description("print an app's logs (all its pods), or follow them live with -f")
    .argument("<app>", "the app or service name")
    .option("-f, --follow", "keep printing new lines until Ctrl-C")
    .option("--tail <n>", "only the last n lines of each pod", count)
    .option("-p, --project <name>", "the project (namespace) of the app, when several have one of that name")
    .option("-c, --container <name>", "the container (default: the pod's first)")
    .option("--previous", "the previous run of each container (why it crashed)")
    .option("--kubeconfig <file>", "use this kubeconfig (default: the stack's, read through the Pulumi CLI)")
    .option("--context <name>", "the context to use in --kubeconfig")
    .option("-s, --stack <name>", "the Pulumi stack whose kubeconfig to use")
    .option("-C, --cwd <dir>", "the project folder (with Pulumi.yaml)")
    .addHelpText("after", "\nExit codes: 0 done, 1 no such app or the cluster could not be asked, 4 no Pulumi CLI.")
    .action(async (app: string, flags: LogsFlags) => {
      const { loadKubeConfig } = await import("../day2/cluster.ts");
      const { showLogs } = await import("../day2/logs.ts");
      const { PulumiCliError } = await import("../pulumi/cli.ts");
      let kc: Awaited<ReturnType<typeof loadKubeConfig>>;
      try {
        kc = await loadKubeConfig(flags);
      } catch (err) {
        if (!(err instanceof PulumiCliError)) throw err;
        process.stderr.write(`kip: ${err.message}\n`);
        process.exitCode = err.exitCode;
        return;
      }
      const stop = new AbortController();
      const onSignal = (): void => stop.abort();
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      try {
        await showLogs(kc, {
          app,
          ...(flags.project ? { project: flags.project } : {}),
          ...(flags.tail !== undefined ? { tail: flags.tail } : {}),
          ...(flags.container ? { container: flags.container } : {}),
          follow: flags.follow === true,
          previous: flags.previous === true,
          signal: stop.signal,
        });
      } finally {
        process.removeListener("SIGINT", onSignal);
        process.removeListener("SIGTERM", onSignal);
      }
      // A follow stopped by Ctrl-C leaves its HTTP streams open: end here, after stdout has drained.
      if (flags.follow && stop.signal.aborted) process.stdout.write("", () => process.exit(0));
    });
}
