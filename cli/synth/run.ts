/**
 * `kip synth` end to end: evaluate the stack offline, compute the files, then (and only then) write them. Nothing is
 * written when the stack is invalid or fails to evaluate.
 *
 * The evaluation is not a preview (`preview = false`): the mock providers answer with known ids and outputs, so every
 * value is concrete and the output holds no `<unknown>`. Secrets the stack needs but the environment does not supply
 * (SSH key, secret env) become the visible placeholder `<secret:KEY>`, and every secret is written as `<secret>`.
 * Config comes from `PULUMI_CONFIG` / `PULUMI_CONFIG_SECRET_KEYS` as Pulumi's language host would set them.
 */
import { SpecError, SpecErrors } from "../../core/errors.ts";
import { useSecretPlaceholders } from "../../providers/secret-config.ts";
import { type SynthOutput, synthesize } from "./capture.ts";
import { importStack, type StackTarget } from "./load.ts";
import { runProgram, startMockRuntime } from "./runtime.ts";

/** The stack name synth evaluates under. */
export const SYNTH_STACK = "synth";

/** Attach the stack file to spec errors so the message names it. */
export function inFile(err: unknown, file: string): unknown {
  if (err instanceof SpecError) return err.file ? err : err.inFile(file);
  if (err instanceof SpecErrors) return new SpecErrors(err.errors.map((e) => (e.file ? e : e.inFile(file))));
  return err;
}

/** Evaluate `target` and compute its synth output. Throws (with the file named) when the stack is invalid. */
export async function synthStack(target: StackTarget): Promise<SynthOutput> {
  useSecretPlaceholders(true);
  const runtime = startMockRuntime({ project: target.project, stack: SYNTH_STACK, preview: false });
  try {
    await runProgram(() => importStack(target.file));
  } catch (err) {
    throw inFile(err, target.shown);
  }
  return synthesize({
    project: target.project,
    stack: SYNTH_STACK,
    stackFile: target.shown,
    resources: runtime.resources,
    outputs: runtime.stackOutputs(),
  });
}
