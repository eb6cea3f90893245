/**
 * `kip ci github [--stack NAME] [--branch main] [--force] [--print]`: write the GitHub Actions workflow that comments
 * `kip diff` (and `kip preview` when the repository has Pulumi credentials) on pull requests and runs `kip up` on the
 * main branch. The generator lives in `cli/day2/github-workflow.ts` (`writeGithubWorkflow`), which `kip init --ci
 * github` calls too.
 */
import type { Command } from "commander";

interface CiFlags {
  readonly stack: string;
  readonly branch: string;
  readonly force?: boolean;
  readonly print?: boolean;
}

export function register(program: Command): void {
  const ci = program.command("ci").description("set up continuous integration for the project");
  ci.command("github")
    .description(
      "write .github/workflows/skipper.yml: a sticky pull-request comment with kip diff (and kip preview when the " +
        "repository has Pulumi credentials), kip up on pushes to the main branch; actions pinned to commit SHAs",
    )
    .option("-s, --stack <name>", "the Pulumi stack to preview and deploy", "prod")
    .option("--branch <name>", "the branch whose pushes deploy", "main")
    .option("--force", "replace a workflow kip wrote before")
    .option("--print", "print the workflow instead of writing it")
    .addHelpText(
      "after",
      "\nThe workflow reads the repository secrets PULUMI_ACCESS_TOKEN or PULUMI_BACKEND_URL, and\n" +
        "PULUMI_CONFIG_PASSPHRASE. Pull requests from forks get the diff (it needs no secrets) in the job summary.",
    )
    .action(async (flags: CiFlags) => {
      const { renderWorkflow, writeGithubWorkflow } = await import("../day2/github-workflow.ts");
      const { repositoryRoot } = await import("../diff/worktree.ts");
      const { relative } = await import("node:path");
      const cwd = process.cwd();
      let root = cwd;
      try {
        root = repositoryRoot(cwd);
      } catch {
        // Not a git repository (yet): the workflow goes under the project folder, which will be the root.
      }
      const opts = { stack: flags.stack, branch: flags.branch };
      if (flags.print) {
        process.stdout.write(renderWorkflow({ ...opts, projectDir: relative(root, cwd) }));
        return;
      }
      const written = writeGithubWorkflow(cwd, { ...opts, repoRoot: root, force: flags.force === true });
      process.stderr.write(
        `kip ci github: ${written.replaced ? "replaced" : "wrote"} ${relative(cwd, written.path) || written.path}\n` +
          "Add the repository secrets it reads (PULUMI_ACCESS_TOKEN or PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE),\n" +
          `and required reviewers on the '${flags.stack}' environment if deployments need an approval.\n`,
      );
    });
}
