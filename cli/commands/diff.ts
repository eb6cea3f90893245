/**
 * `kip diff [stack] [--base REF] [--json | --markdown] [--exit-code]`: what a change to the stack does, offline.
 * Everything heavy (Pulumi, the workers, git) is loaded inside the action.
 */
import { type Command, InvalidArgumentError, Option } from "commander";

interface DiffFlags {
  readonly base: string;
  readonly stack?: string;
  readonly json?: boolean;
  readonly markdown?: boolean;
  readonly maxChars?: number;
  readonly exitCode?: boolean;
  readonly quiet?: boolean;
}

/** Exit codes of `kip diff` (also in its --help). */
export const DIFF_EXIT = { same: 0, different: 1, invalidStack: 2, failed: 3 } as const;

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1000) throw new InvalidArgumentError("a whole number of characters, at least 1000");
  return n;
}

export function register(program: Command): void {
  program
    .command("diff")
    .description(
      "show what a change to the stack does: Kubernetes objects added, changed (field by field) and removed, host " +
        "scripts that run again, changed outputs; offline, from two synths (no Pulumi CLI, backend or credentials)",
    )
    .argument("[stack]", "the stack file (default: `main` of Pulumi.yaml in the current folder)")
    .option("--base <ref>", "the git ref to compare with (read from a temporary worktree)", "HEAD")
    .option("-s, --stack <name>", "also read each side's Pulumi.<name>.yaml config (secrets stay encrypted)")
    .addOption(new Option("--json", "print the whole difference as JSON").conflicts("markdown"))
    .option("--markdown", "print a pull-request comment (summary table, details collapsed, size-bounded)")
    .option("--max-chars <n>", "size bound of --markdown in characters (default 64000)", positiveInt)
    .option("--exit-code", "exit 1 when there is a difference (like git diff --exit-code)")
    .option("-q, --quiet", "no progress lines on stderr")
    .addHelpText(
      "after",
      "\nThe working tree (committed or not) is compared with the stack at --base. Secret values never appear:\n" +
        "a changed secret shows as <secret> → <secret> (changed). Config comes from PULUMI_CONFIG, as for kip synth.\n" +
        "Exit codes: 0 done (no difference, or any difference without --exit-code), 1 a difference with\n" +
        "--exit-code, 2 the stack is invalid on either side, 3 any other failure (git, evaluation).\n" +
        "Examples:\n  kip diff\n  kip diff --base origin/main --markdown > comment.md\n  kip diff --json | jq .counts",
    )
    .action(async (stack: string | undefined, flags: DiffFlags) => {
      const { progressOn, styleFor } = await import("../day2/terminal.ts");
      const { runDiff, SideError } = await import("../diff/run.ts");
      let diff: Awaited<ReturnType<typeof runDiff>>;
      try {
        diff = await runDiff({
          cwd: process.cwd(),
          ...(stack ? { stack } : {}),
          base: flags.base,
          ...(flags.stack ? { pulumiStack: flags.stack } : {}),
          progress: progressOn("kip diff", flags.quiet),
        });
      } catch (err) {
        const invalid = err instanceof SideError && err.invalidStack;
        process.stderr.write(
          `kip diff: ${invalid ? "invalid stack\n" : ""}${err instanceof Error ? err.message : String(err)}\n`,
        );
        process.exitCode = invalid ? DIFF_EXIT.invalidStack : DIFF_EXIT.failed;
        return;
      }
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(diff, null, 2)}\n`);
      } else if (flags.markdown) {
        const { renderMarkdown } = await import("../diff/render-markdown.ts");
        process.stdout.write(renderMarkdown(diff, flags.maxChars));
      } else {
        const { renderText } = await import("../diff/render-text.ts");
        process.stdout.write(renderText(diff, styleFor(process.stdout)));
      }
      process.exitCode = diff.changed && flags.exitCode ? DIFF_EXIT.different : DIFF_EXIT.same;
    });
}
