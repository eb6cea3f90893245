/**
 * How `kip status` and `kip logs` pick their cluster: the options they share and the kubeconfig they load from them.
 * Light at load time (`kip --help` reads this file): the Kubernetes client and the Pulumi CLI wrapper are imported
 * only when a command runs.
 */
import type { KubeConfig } from "@kubernetes/client-node";
import type { Command } from "commander";
import type { ClusterFlags } from "./cluster.ts";

/** Adds --kubeconfig, --context, --stack and --cwd to `command`. */
export function clusterOptions(command: Command): Command {
  return command
    .option("--kubeconfig <file>", "use this kubeconfig (default: the stack's, read through the Pulumi CLI)")
    .option("--context <name>", "the context to use in --kubeconfig")
    .option("-s, --stack <name>", "the Pulumi stack whose kubeconfig to use")
    .option("-C, --cwd <dir>", "the project folder (with Pulumi.yaml)");
}

/**
 * The kubeconfig the flags name. When the Pulumi CLI fails (missing, no such stack), its message goes to stderr, the
 * exit code is set and the result is undefined; any other error is thrown.
 */
export async function kubeConfigOrExit(flags: ClusterFlags): Promise<KubeConfig | undefined> {
  const { loadKubeConfig } = await import("./cluster.ts");
  const { PulumiCliError } = await import("../pulumi/cli.ts");
  try {
    return await loadKubeConfig(flags);
  } catch (err) {
    if (!(err instanceof PulumiCliError)) throw err;
    process.stderr.write(`kip: ${err.message}\n`);
    process.exitCode = err.exitCode;
    return undefined;
  }
}
