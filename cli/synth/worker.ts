/**
 * The synth worker thread: evaluates one stack and posts back the files, or the error in a form that survives the
 * trip (spec errors keep their field, rule and file). Evaluation runs here rather than on the main thread so that it
 * can have a young generation sized for a program that keeps every resource alive until the end (see `run.ts`).
 */
import { parentPort, workerData } from "node:worker_threads";
import { SpecError, SpecErrors } from "../../core/errors.ts";
import type { StackTarget } from "./load.ts";
import { synthStack } from "./run.ts";

/** What the worker posts back. */
export type WorkerReply =
  | { readonly ok: true; readonly files: Map<string, string>; readonly summary: unknown; readonly counts: unknown }
  | { readonly ok: false; readonly error: TransferredError };

export interface TransferredError {
  readonly message: string;
  readonly stack?: string;
  /** Set for spec errors: one entry per broken rule. */
  readonly specErrors?: readonly { field: string; rule: string; message: string; file?: string }[];
}

function transfer(err: unknown): TransferredError {
  const specs = err instanceof SpecErrors ? err.errors : err instanceof SpecError ? [err] : undefined;
  const base =
    err instanceof Error
      ? { message: err.message, ...(err.stack ? { stack: err.stack } : {}) }
      : { message: String(err) };
  if (!specs) return base;
  return {
    ...base,
    specErrors: specs.map((e) => ({
      field: e.field,
      rule: e.rule,
      message: e.message,
      ...(e.file ? { file: e.file } : {}),
    })),
  };
}

const port = parentPort;
if (!port) throw new Error("cli/synth/worker.ts runs only as a worker thread");
try {
  const result = await synthStack(workerData as StackTarget);
  port.postMessage({
    ok: true,
    files: new Map(result.files),
    summary: result.summary,
    counts: result.counts,
  } satisfies WorkerReply);
} catch (err) {
  port.postMessage({ ok: false, error: transfer(err) } satisfies WorkerReply);
}
