/**
 * `kip kubeconfig [--stack NAME] [--output FILE] [--name NAME] [--use] [--force]`: read the stack's `kubeconfig`
 * output through the Pulumi CLI and merge it into a kubeconfig file (no kubectl needed).
 */
import type { Command } from "commander";

interface KubeconfigFlags {
  readonly stack?: string;
  readonly cwd?: string;
  readonly output?: string;
  readonly name?: string;
  readonly use?: boolean;
  readonly force?: boolean;
}

export function register(program: Command): void {
  program
    .command("kubeconfig")
    .description(
      "merge the stack's kubeconfig (its `kubeconfig` output) into ~/.kube/config (or KUBECONFIG / --output) " +
        "under a stable context name, with a backup of the old file",
    )
    .option("-s, --stack <name>", "the Pulumi stack (default: the selected one)")
    .option("-C, --cwd <dir>", "the project folder (with Pulumi.yaml)")
    .option(
      "-o, --output <file>",
      "the kubeconfig file to merge into (default: first of KUBECONFIG, else ~/.kube/config)",
    )
    .option("--name <context>", "name the merged cluster, context and user this way (default: skipper-<cluster id>)")
    .option("--use", "make it the current context even when the file already has one")
    .option("--force", "replace same-named entries that point at another server")
    .addHelpText(
      "after",
      "\nOther contexts are never changed. The old file is kept as <file>.kip-backup-<time>; the new one has mode 0600.\n" +
        "Exit codes: 0 merged, 1 failure (the file is left as it was), 4 the Pulumi CLI is missing or too old.",
    )
    .action(async (flags: KubeconfigFlags) => {
      const { readStackKubeconfig } = await import("../day2/stack-kubeconfig.ts");
      const { mergeKubeconfig } = await import("../day2/kubeconfig-merge.ts");
      const { kubeconfigTarget, readTarget, writeTarget } = await import("../day2/kubeconfig-file.ts");
      const { PulumiCliError } = await import("../pulumi/cli.ts");
      const target = readTarget(kubeconfigTarget(flags.output));
      let incoming: string;
      try {
        incoming = await readStackKubeconfig(flags);
      } catch (err) {
        if (err instanceof PulumiCliError) {
          process.stderr.write(`kip: ${err.message}\n`);
          process.exitCode = err.exitCode;
          return;
        }
        throw err;
      }
      const merged = mergeKubeconfig(target.text, incoming, {
        ...(flags.name ? { name: flags.name } : {}),
        use: flags.use === true,
        force: flags.force === true,
      });
      const written = writeTarget(target, merged.text);
      process.stderr.write(
        `kip kubeconfig: ${merged.replaced ? "updated" : "added"} context '${merged.context}' in ${written.path}` +
          `${written.backup ? ` (old file kept as ${written.backup})` : ""}\n` +
          (merged.current
            ? `It is the current context: kubectl get nodes\n`
            : `Use it with: kubectl --context ${merged.context} get nodes (or kip kubeconfig --use)\n`),
      );
    });
}
