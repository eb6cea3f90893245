/**
 * `kip status [--json]`: nodes, apps with ready/desired replicas and URLs, services, and failing pods with their
 * reason, through the Kubernetes API with the stack's kubeconfig (or --kubeconfig).
 */
import type { Command } from "commander";
import type { ClusterFlags } from "../day2/cluster.ts";
import { clusterOptions, kubeConfigOrExit } from "../day2/cluster-options.ts";

interface StatusFlags extends ClusterFlags {
  readonly json?: boolean;
}

export function register(program: Command): void {
  clusterOptions(
    program
      .command("status")
      .description("nodes, apps (ready/desired replicas, URLs), services and failures with their reason")
      .option("--json", "print the status as JSON"),
  )
    .addHelpText(
      "after",
      "\nExit codes: 0 shown (failures included), 1 the cluster could not be asked, 4 no Pulumi CLI.",
    )
    .action(async (flags: StatusFlags) => {
      const { collectStatus } = await import("../day2/cluster.ts");
      const { styleFor } = await import("../day2/terminal.ts");
      const kc = await kubeConfigOrExit(flags);
      if (kc === undefined) return;
      const report = await collectStatus(kc);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        return;
      }
      const { renderStatus } = await import("../day2/render-status.ts");
      process.stdout.write(renderStatus(report, styleFor(process.stdout)));
    });
}
