/**
 * `kip status [--json]`: nodes, apps with ready/desired replicas and URLs, services, and failing pods with their
 * reason, through the Kubernetes API with the stack's kubeconfig (or --kubeconfig).
 */
import type { Command } from "commander";

interface StatusFlags {
  readonly json?: boolean;
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly stack?: string;
  readonly cwd?: string;
}

export function register(program: Command): void {
  program
    .command("status")
    .description("nodes, apps (ready/desired replicas, URLs), services and failures with their reason")
    .option("--json", "print the status as JSON")
    .option("--kubeconfig <file>", "use this kubeconfig (default: the stack's, read through the Pulumi CLI)")
    .option("--context <name>", "the context to use in --kubeconfig")
    .option("-s, --stack <name>", "the Pulumi stack whose kubeconfig to use")
    .option("-C, --cwd <dir>", "the project folder (with Pulumi.yaml)")
    .addHelpText(
      "after",
      "\nExit codes: 0 shown (failures included), 1 the cluster could not be asked, 4 no Pulumi CLI.",
    )
    .action(async (flags: StatusFlags) => {
      const { loadKubeConfig, collectStatus } = await import("../day2/cluster.ts");
      const { styleFor } = await import("../day2/terminal.ts");
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
      const report = await collectStatus(kc);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        return;
      }
      const { renderStatus } = await import("../day2/render-status.ts");
      process.stdout.write(renderStatus(report, styleFor(process.stdout)));
    });
}
