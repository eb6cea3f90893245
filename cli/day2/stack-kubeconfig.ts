/**
 * The stack's kubeconfig, read through the Pulumi CLI (`pulumi stack output kubeconfig --show-secrets --json`): kept
 * in memory, never written by this module, never logged.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { checkPulumi, PulumiFailedError, runPulumi } from "../pulumi/cli.ts";

export interface StackRef {
  readonly stack?: string;
  /** The project folder (with Pulumi.yaml). @default the working directory */
  readonly cwd?: string;
}

export async function readStackKubeconfig(ref: StackRef): Promise<string> {
  const cwd = resolve(ref.cwd ?? process.cwd());
  if (!existsSync(join(cwd, "Pulumi.yaml"))) {
    throw new Error(`no Pulumi.yaml in ${cwd}: run kip in the project folder, or pass --cwd <folder>`);
  }
  await checkPulumi(cwd);
  const args = [
    "stack",
    "output",
    "kubeconfig",
    "--show-secrets",
    "--json",
    ...(ref.stack ? ["--stack", ref.stack] : []),
  ];
  const run = await runPulumi(args, { cwd });
  if (run.code !== 0) {
    const why = run.stderr.trim().split("\n").slice(-3).join("\n");
    throw new PulumiFailedError(
      `stack output kubeconfig`,
      run.code,
      `${why}\n(has the stack been deployed? kip up creates the cluster and its kubeconfig)`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(run.stdout);
  } catch {
    throw new Error("pulumi stack output kubeconfig --json did not print JSON");
  }
  if (typeof value !== "string" || value.trim() === "") {
    throw new Error("the stack's 'kubeconfig' output is not a kubeconfig text; is this a Skipper stack?");
  }
  return value;
}
