/**
 * `kip diff` end to end: check out the base ref into a temporary worktree, evaluate the base and the working tree at
 * the same time (one worker thread each, so on two cores the pair takes about as long as one `kip synth`, and the
 * process, loader and CLI start are paid once), compare, and remove the worktree whatever happens.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { resolveStackTarget, type StackTarget } from "../synth/load.ts";
import { compareSides, type StackDiff } from "./compare.ts";
import { type ConfigEnv, stackConfigEnv } from "./config.ts";
import type { SideRequest, SideResult } from "./side.ts";
import type { SideReply } from "./worker.ts";
import { checkoutBase } from "./worktree.ts";

/** Young generation of each worker, in MiB (the reason is in cli/synth/run.ts). */
const YOUNG_GENERATION_MIB = 96;

/** A side failed: an invalid stack (exit 2, as kip synth) or any other failure. */
export class SideError extends Error {
  readonly invalidStack: boolean;
  constructor(message: string, invalidStack: boolean) {
    super(message);
    this.name = "SideError";
    this.invalidStack = invalidStack;
  }
}

/** Evaluate one side in a worker thread. */
export function evaluateInWorker(req: SideRequest, label: string, env?: ConfigEnv): Promise<SideResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./worker-entry.js", import.meta.url), {
      workerData: req,
      env: { ...process.env, ...env },
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MIB },
    });
    let settled = false;
    worker.once("message", (reply: SideReply) => {
      settled = true;
      if (reply.ok) resolve(reply.result);
      else {
        if (process.env["KIP_DEBUG"] && reply.stack) process.stderr.write(`${reply.stack}\n`);
        reject(new SideError(`${label}: ${reply.message}`, reply.invalidStack));
      }
      void worker.terminate();
    });
    worker.once("error", (err) => {
      settled = true;
      reject(err);
    });
    worker.once("exit", (code) => {
      if (!settled) reject(new Error(`${label}: the diff worker stopped (exit code ${code}) before it finished`));
    });
  });
}

export interface DiffOptions {
  /** The working directory (the project). */
  readonly cwd: string;
  /** The stack file as given on the command line. */
  readonly stack?: string;
  /** The git ref of the base side. */
  readonly base: string;
  /** A Pulumi stack whose `Pulumi.<stack>.yaml` config each side reads (else PULUMI_CONFIG only). */
  readonly pulumiStack?: string;
  /** Called with a line of progress ("checking out…", "evaluating…"). */
  readonly progress?: (line: string) => void;
}

/** The base side's stack target inside the worktree, or undefined when the file does not exist at the ref. */
function baseTarget(head: StackTarget, given: string | undefined, cwd: string, map: (p: string) => string) {
  const file = map(head.file);
  if (!existsSync(file)) return undefined;
  const inBase = resolveStackTarget(given === undefined ? undefined : file, map(cwd));
  // The same file as the working tree's (a ref whose Pulumi.yaml points elsewhere still compares this file).
  return { ...inBase, file, shown: head.shown };
}

export async function runDiff(opts: DiffOptions): Promise<StackDiff> {
  const head = resolveStackTarget(opts.stack, opts.cwd);
  const progress = opts.progress ?? (() => {});
  const fingerprintKey = randomBytes(32).toString("hex");
  progress(`checking out ${opts.base} into a temporary worktree`);
  const checkout = checkoutBase(opts.cwd, opts.base);
  const onSignal = (signal: NodeJS.Signals): void => {
    checkout.remove();
    process.kill(process.pid, signal);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const base = baseTarget(head, opts.stack, opts.cwd, checkout.map);
    const short = checkout.commit.slice(0, 12);
    progress(
      base
        ? `evaluating ${head.shown} at ${opts.base} (${short}) and in the working tree`
        : `evaluating ${head.shown} in the working tree (${opts.base} has no such file: everything is new)`,
    );
    // Both run to the end even when one fails, so the worktree is never removed under a running evaluation.
    const configOf = (projectDir: string, project: string): ConfigEnv | undefined =>
      opts.pulumiStack ? stackConfigEnv(projectDir, opts.pulumiStack, project) : undefined;
    const baseLabel = `${head.shown} at ${opts.base}`;
    const [baseRun, headRun] = await Promise.allSettled([
      base
        ? evaluateInWorker({ target: base, fingerprintKey }, baseLabel, configOf(checkout.map(opts.cwd), base.project))
        : undefined,
      evaluateInWorker({ target: head, fingerprintKey }, head.shown, configOf(opts.cwd, head.project)),
    ]);
    if (headRun.status === "rejected") throw headRun.reason;
    if (baseRun.status === "rejected") throw baseRun.reason;
    const baseSide = baseRun.value;
    const headSide = headRun.value;
    return compareSides({
      stackFile: head.shown,
      ref: opts.base,
      commit: checkout.commit,
      base: baseSide,
      head: headSide,
    });
  } finally {
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
    checkout.remove();
  }
}
