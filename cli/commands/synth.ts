/**
 * `kip synth [stack file] [--out DIR] [--json]`: render a stack offline (no Pulumi CLI, no cluster). Pulumi and the
 * stack are loaded inside the action, so registering the command costs nothing.
 */
import type { Command } from "commander";

export const DEFAULT_OUT = "out/synth";

interface SynthFlags {
  readonly out: string;
  readonly json?: boolean;
}

export function register(program: Command): void {
  program
    .command("synth")
    .description(
      "evaluate a stack offline and write every Kubernetes object, every host script and a summary, deterministically",
    )
    .argument("[stack]", "the stack file (default: `main` of Pulumi.yaml in the current folder)")
    .option("-o, --out <dir>", "output folder, replaced on every run (only if kip synth wrote it)", DEFAULT_OUT)
    .option("--json", "print the summary as JSON on stdout")
    .addHelpText(
      "after",
      "\nConfig comes from PULUMI_CONFIG (JSON, as Pulumi's language host sets it), e.g.\n" +
        `  PULUMI_CONFIG='{"skipper:host":"198.51.100.7"}' kip synth\n` +
        "Secrets are never written: they show as <secret>, and a config secret that is not set needs no value here.\n" +
        "Exit codes: 0 written, 1 failure, 2 invalid stack (nothing written).",
    )
    .action(async (stack: string | undefined, flags: SynthFlags) => {
      const { resolve } = await import("node:path");
      const { resolveStackTarget } = await import("../synth/load.ts");
      const { replaceProblem, writeTree } = await import("../synth/write.ts");
      const target = resolveStackTarget(stack, process.cwd());
      const out = resolve(flags.out);
      const problem = replaceProblem(out);
      if (problem) throw new Error(problem);
      process.stderr.write(`kip synth: evaluating ${target.shown}\n`);
      const started = performance.now();
      const { synthStackInWorker } = await import("../synth/run.ts");
      const result = await synthStackInWorker(target);
      const evaluated = performance.now();
      await writeTree(out, result.files);
      const seconds = (from: number, to: number): string => `${((to - from) / 1000).toFixed(1)} s`;
      const { objects, scripts, resources } = result.counts;
      process.stderr.write(
        `kip synth: wrote ${objects} Kubernetes objects, ${scripts} host scripts and summary.json ` +
          `(${resources} resources) to ${flags.out} ` +
          `(evaluated in ${seconds(started, evaluated)}, written in ${seconds(evaluated, performance.now())})\n`,
      );
      if (flags.json) process.stdout.write(`${JSON.stringify(result.summary, null, 2)}\n`);
    });
}
