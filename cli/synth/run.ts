/**
 * `kip synth` end to end: evaluate the stack offline, compute the files, then (and only then) write them. Nothing is
 * written when the stack is invalid or fails to evaluate.
 *
 * The evaluation is not a preview (`preview = false`): the mock providers answer with known ids and outputs, so every
 * value is concrete and the output holds no `<unknown>`. Secrets the stack needs but the environment does not supply
 * (SSH key, secret env) become the visible placeholder `<secret:KEY>`, and every secret is written as `<secret>`.
 * Config comes from `PULUMI_CONFIG` / `PULUMI_CONFIG_SECRET_KEYS` as Pulumi's language host would set them.
 */
import { Worker } from "node:worker_threads";
import { SpecError, SpecErrors } from "../../core/errors.ts";
import { useSecretPlaceholders } from "../../providers/secret-config.ts";
import { type Summary, type SynthOutput, synthesize } from "./capture.ts";
import { importStack, type StackTarget } from "./load.ts";
import { runProgram, startMockRuntime } from "./runtime.ts";
import type { TransferredError, WorkerReply } from "./worker.ts";

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
    await runProgram(() => importStack(target.file), { cheapStackTraces: !process.env["KIP_DEBUG"] });
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

/**
 * Young generation of the worker, in MiB. A Pulumi program creates every resource (and its Outputs and promises) at
 * once and keeps them until the end, so with Node's default 16 MiB semi-spaces every scavenge copies large numbers
 * of survivors; a larger young generation cut CPU time of a 1000-app stack by about a sixth (bench/synth.ts).
 */
const YOUNG_GENERATION_MIB = 96;

/** Turn an error posted by the worker back into what `synthStack` would have thrown. */
function revive(e: TransferredError): Error {
  if (e.specErrors) {
    return new SpecErrors(
      e.specErrors.map((s) => {
        const err = new SpecError(s.field, s.rule);
        err.message = s.message;
        if (s.file) err.file = s.file;
        return err;
      }),
    );
  }
  const err = new Error(e.message);
  if (e.stack) err.stack = e.stack;
  return err;
}

/** `synthStack` in a worker thread (same result, same errors). */
export function synthStackInWorker(target: StackTarget): Promise<SynthOutput> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./worker-entry.js", import.meta.url), {
      workerData: target,
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MIB },
    });
    let settled = false;
    worker.once("message", (reply: WorkerReply) => {
      settled = true;
      if (reply.ok) {
        resolve({
          files: reply.files,
          summary: reply.summary as Summary,
          counts: reply.counts as SynthOutput["counts"],
        });
      } else {
        reject(revive(reply.error));
      }
      void worker.terminate();
    });
    worker.once("error", (err) => {
      settled = true;
      reject(err);
    });
    worker.once("exit", (code) => {
      if (!settled) reject(new Error(`the synth worker stopped (exit code ${code}) before it finished`));
    });
  });
}
