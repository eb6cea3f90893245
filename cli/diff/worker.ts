/**
 * The `kip diff` worker thread: evaluates one side (`side.ts`) and posts back the result, or the error's message and
 * whether it was an invalid stack (so the command can exit 2 as `kip synth` does).
 */
import { parentPort, workerData } from "node:worker_threads";
import { SpecError, SpecErrors } from "../../core/errors.ts";
import { evaluateSide, type SideRequest, type SideResult } from "./side.ts";

export type SideReply =
  | { readonly ok: true; readonly result: SideResult }
  | { readonly ok: false; readonly message: string; readonly invalidStack: boolean; readonly stack?: string };

const port = parentPort;
if (!port) throw new Error("cli/diff/worker.ts runs only as a worker thread");
try {
  port.postMessage({ ok: true, result: await evaluateSide(workerData as SideRequest) } satisfies SideReply);
} catch (err) {
  port.postMessage({
    ok: false,
    message: err instanceof Error ? err.message : String(err),
    invalidStack: err instanceof SpecError || err instanceof SpecErrors,
    ...(err instanceof Error && err.stack ? { stack: err.stack } : {}),
  } satisfies SideReply);
}
