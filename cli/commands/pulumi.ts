/**
 * `kip preview | up | destroy | refresh [--stack NAME]`: the Pulumi CLI, run as a child process in the project
 * folder. `up`, `destroy` and `refresh` pass the terminal through, so Pulumi's display and confirmation prompt are
 * the user's; `preview --json` / `--markdown` read `pulumi preview --json` and summarise it per resource.
 */
import type { Command } from "commander";

interface CommonFlags {
  readonly stack?: string;
  readonly cwd?: string;
  readonly yes?: boolean;
}

interface PreviewFlags extends CommonFlags {
  readonly json?: boolean;
  readonly markdown?: boolean;
  readonly maxChars?: number;
  readonly refresh?: boolean;
}

const EXIT_HELP =
  "Exit codes: 0 done, 1 Pulumi ran and failed (its output says why), 4 the Pulumi CLI is missing or too old " +
  "(the message says how to install it). Arguments after -- go to pulumi as they are.";

/** The project folder (with Pulumi.yaml) and the stack arguments shared by every command. */
async function project(flags: CommonFlags): Promise<{ cwd: string; stackArgs: string[] }> {
  const { existsSync } = await import("node:fs");
  const { join, resolve } = await import("node:path");
  const cwd = resolve(flags.cwd ?? process.cwd());
  if (!existsSync(join(cwd, "Pulumi.yaml"))) {
    throw new Error(`no Pulumi.yaml in ${cwd}: run kip in the project folder, or pass --cwd <folder>`);
  }
  return { cwd, stackArgs: flags.stack ? ["--stack", flags.stack] : [] };
}

/** Run an interactive Pulumi command with the terminal passed through; map its failure to kip's exit codes. */
async function passThrough(command: string, args: string[], flags: CommonFlags, extra: readonly string[]) {
  const { checkPulumi, runPulumi, PULUMI_EXIT } = await import("../pulumi/cli.ts");
  const { cwd, stackArgs } = await project(flags);
  await checkPulumi(cwd);
  const yes = flags.yes ? ["--yes", "--non-interactive"] : [];
  const run = await runPulumi([command, ...args, ...stackArgs, ...yes, ...extra], { cwd, inherit: true });
  if (run.code !== 0) {
    process.stderr.write(`kip ${command}: pulumi ${command} failed (exit code ${run.code ?? "signal"})\n`);
    process.exitCode = PULUMI_EXIT.failed;
  }
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1000) throw new Error("--max-chars: a whole number of characters, at least 1000");
  return n;
}

function common(cmd: Command): Command {
  return cmd
    .option("-s, --stack <name>", "the Pulumi stack (default: the selected one)")
    .option("-C, --cwd <dir>", "the project folder (with Pulumi.yaml)")
    .argument("[pulumiArgs...]", "more arguments for pulumi, after --")
    .addHelpText("after", `\n${EXIT_HELP}`);
}

/** Run a failing action's error through kip's exit codes (a missing CLI is 4, not 1). */
async function withExitCodes(action: () => Promise<void>): Promise<void> {
  const { PulumiCliError, PulumiFailedError } = await import("../pulumi/cli.ts");
  try {
    await action();
  } catch (err) {
    if (err instanceof PulumiCliError || err instanceof PulumiFailedError) {
      process.stderr.write(`kip: ${err.message}\n`);
      process.exitCode = err.exitCode;
      return;
    }
    throw err;
  }
}

export function register(program: Command): void {
  common(
    program
      .command("preview")
      .description("show what `pulumi up` would do (the Pulumi engine's plan against the stack's state)")
      .option("--json", "print a per-resource summary as JSON (from `pulumi preview --json`; secrets redacted)")
      .option("--markdown", "print the summary as a pull-request comment")
      .option("--max-chars <n>", "size bound of --markdown in characters (default 64000)", positiveInt)
      .option("--refresh", "refresh the state from the cluster first (shows drift)"),
  ).action((extra: string[], flags: PreviewFlags) =>
    withExitCodes(async () => {
      if (!flags.json && !flags.markdown) return passThrough("preview", ["--diff"], flags, extra);
      const { checkPulumi, runPulumi, PulumiFailedError } = await import("../pulumi/cli.ts");
      const { parseDigest, summarise } = await import("../pulumi/digest.ts");
      const { cwd, stackArgs } = await project(flags);
      await checkPulumi(cwd);
      const args = ["preview", "--json", "--non-interactive", ...stackArgs, ...(flags.refresh ? ["--refresh"] : [])];
      const run = await runPulumi([...args, ...extra], { cwd });
      // A failed preview still prints its digest (with the error diagnostics) when it got that far.
      let summary: ReturnType<typeof summarise> | undefined;
      try {
        summary = summarise(parseDigest(run.stdout));
      } catch (err) {
        if (run.code !== 0) throw new PulumiFailedError("preview", run.code, run.stderr);
        throw err;
      }
      if (flags.markdown) {
        const { renderPreviewMarkdown } = await import("../pulumi/render.ts");
        process.stdout.write(renderPreviewMarkdown(summary, flags.stack ?? "(selected)", flags.maxChars));
      } else {
        process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      }
      if (run.code !== 0) {
        process.stderr.write(`kip preview: pulumi preview failed (exit code ${run.code})\n${run.stderr.trim()}\n`);
        process.exitCode = 1;
      }
    }),
  );
  common(
    program
      .command("up")
      .description("deploy the stack: `pulumi up` with Pulumi's own display and confirmation")
      .option("-y, --yes", "no confirmation prompt (for CI)"),
  ).action((extra: string[], flags: CommonFlags) => withExitCodes(() => passThrough("up", [], flags, extra)));
  common(
    program
      .command("destroy")
      .description("delete every resource of the stack: `pulumi destroy` (data kept where the stack says Retain)")
      .option("-y, --yes", "no confirmation prompt"),
  ).action((extra: string[], flags: CommonFlags) => withExitCodes(() => passThrough("destroy", [], flags, extra)));
  common(
    program
      .command("refresh")
      .description("read the real state of every resource into the stack: `pulumi refresh`")
      .option("-y, --yes", "no confirmation prompt"),
  ).action((extra: string[], flags: CommonFlags) => withExitCodes(() => passThrough("refresh", [], flags, extra)));
}
