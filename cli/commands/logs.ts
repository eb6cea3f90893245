/**
 * `kip logs APP [-f] [--tail N] [--project P]`: an app's (or service's) logs through the Kubernetes API.
 */
import { type Command, InvalidArgumentError } from "commander";
import type { ClusterFlags } from "../day2/cluster.ts";
import { clusterOptions, kubeConfigOrExit } from "../day2/cluster-options.ts";

interface LogsFlags extends ClusterFlags {
  readonly follow?: boolean;
  readonly tail?: number;
  readonly project?: string;
  readonly container?: string;
  readonly previous?: boolean;
}

function count(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("a whole number of lines, 0 or more");
  return n;
}

export function register(program: Command): void {
  clusterOptions(
    program
      .command("logs")
      .description("print an app's logs (all its pods), or follow them live with -f")
      .argument("<app>", "the app or service name")
      .option("-f, --follow", "keep printing new lines until Ctrl-C")
      .option("--tail <n>", "only the last n lines of each pod", count)
      .option("-p, --project <name>", "the project (namespace) of the app, when several have one of that name")
      .option("-c, --container <name>", "the container (default: the pod's first)")
      .option("--previous", "the previous run of each container (why it crashed)"),
  )
    .addHelpText("after", "\nExit codes: 0 done, 1 no such app or the cluster could not be asked, 4 no Pulumi CLI.")
    .action(async (app: string, flags: LogsFlags) => {
      const { showLogs } = await import("../day2/logs.ts");
      const kc = await kubeConfigOrExit(flags);
      if (kc === undefined) return;
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
