/**
 * One side of `kip diff`: evaluate a stack offline with `kip synth`'s machinery (the recording mock runtime and the
 * same synth output) and keep what the comparison needs: every Kubernetes object (scrubbed, keys sorted), every host
 * script file, the stack outputs, the other resources, and a fingerprint of every secret value.
 *
 * Fingerprints are HMAC-SHA256 with a key made fresh for each `kip diff` run and never written anywhere: both sides
 * use the same key, so equal secrets give equal prints and a changed secret shows as changed, while the prints (which
 * stay in memory) cannot be tested against guesses by anyone who only sees the output.
 */
import { createHmac } from "node:crypto";
import { useSecretPlaceholders } from "../../providers/secret-config.ts";
import { HOSTS_DIR, K8S_DIR, SUMMARY_FILE, synthesize } from "../synth/capture.ts";
import { importStack, type StackTarget } from "../synth/load.ts";
import { inFile, SYNTH_STACK } from "../synth/run.ts";
import { isSecretValue, type RecordedResource, revealSecrets, runProgram, startMockRuntime } from "../synth/runtime.ts";
import { scrub, sortKeys } from "../synth/scrub.ts";
import { secretLocation } from "./fields.ts";

/** A Kubernetes object as synth writes it, with where it was written. */
export interface SideObject {
  /** The synth file (`k8s/<component path>/<kind>-<ns>-<name>.yaml`). */
  readonly file: string;
  /** The component path (`app-web`), or `stack` for objects created at the top level. */
  readonly component: string;
  readonly object: Record<string, unknown>;
}

/** A resource that is neither a Kubernetes object nor a host step (random passwords, DNS records, components…). */
export interface SideResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly custom: boolean;
  /** Its inputs, scrubbed. */
  readonly inputs: unknown;
}

export interface SideResult {
  readonly objects: SideObject[];
  /** Host script files (`hosts/<host>/<nn>-<step>.sh|.stdin|.delete.sh`) → content, secrets as `<secret>`. */
  readonly scripts: Map<string, string>;
  readonly outputs: unknown;
  readonly resources: SideResource[];
  /** Secret fingerprints by location (`fields.ts#secretLocation`). */
  readonly secrets: Map<string, string>;
}

export interface SideRequest {
  readonly target: StackTarget;
  /** Hex key of the fingerprint HMAC, the same for both sides of one run. */
  readonly fingerprintKey: string;
}

/** Scope names under which secrets are fingerprinted. */
export const OUTPUTS_SCOPE = "outputs";
export const scriptScope = (file: string): string => `script:${file}`;
export const objectScope = (file: string): string => `object:${file}`;
export const resourceScope = (urn: string): string => `resource:${urn}`;

function containsSecret(v: unknown): boolean {
  if (isSecretValue(v)) return true;
  if (Array.isArray(v)) return v.some(containsSecret);
  if (typeof v === "object" && v !== null) return Object.values(v).some(containsSecret);
  return false;
}

/** Record a print for every place `scrub` turns into `<secret>`, mirroring its rules (a secret map keeps its keys). */
function fingerprint(
  print: (v: unknown) => string,
  scope: string,
  v: unknown,
  at: (string | number)[],
  out: Map<string, string>,
): void {
  if (isSecretValue(v)) {
    const inner = v.value;
    if (typeof inner === "object" && inner !== null && !Array.isArray(inner) && !isSecretValue(inner)) {
      for (const [k, x] of Object.entries(inner)) out.set(secretLocation(scope, [...at, k]), print(x));
    } else {
      out.set(secretLocation(scope, at), print(inner));
    }
    return;
  }
  if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) fingerprint(print, scope, x, [...at, i], out);
  } else if (typeof v === "object" && v !== null) {
    for (const [k, x] of Object.entries(v)) fingerprint(print, scope, x, [...at, k], out);
  }
}

/** Evaluate one side. Throws (with the stack file named) when the stack is invalid or fails to evaluate. */
export async function evaluateSide(req: SideRequest): Promise<SideResult> {
  const key = Buffer.from(req.fingerprintKey, "hex");
  const print = (v: unknown): string =>
    createHmac("sha256", key)
      .update(JSON.stringify(revealSecrets(v)) ?? "undefined")
      .digest("hex");
  useSecretPlaceholders(true);
  const { target } = req;
  const runtime = startMockRuntime({ project: target.project, stack: SYNTH_STACK, preview: false });
  try {
    await runProgram(() => importStack(target.file), { cheapStackTraces: !process.env["KIP_DEBUG"] });
  } catch (err) {
    throw inFile(err, target.shown);
  }
  const outputs = runtime.stackOutputs();
  const synth = synthesize({
    project: target.project,
    stack: SYNTH_STACK,
    stackFile: target.shown,
    resources: runtime.resources,
    outputs,
  });
  const byUrn = new Map<string, RecordedResource>(runtime.resources.map((r) => [r.urn, r]));
  const secrets = new Map<string, string>();
  const objects: SideObject[] = [];
  const resources: SideResource[] = [];
  const stepFiles = new Map<string, RecordedResource>();
  for (const s of synth.summary.resources) {
    const r = byUrn.get(s.urn);
    if (!r) continue;
    if (s.file?.startsWith(`${K8S_DIR}/`)) {
      const object = sortKeys(scrub(r.inputs), ["apiVersion", "kind", "metadata"]) as Record<string, unknown>;
      const component = s.file.slice(K8S_DIR.length + 1, s.file.lastIndexOf("/"));
      objects.push({ file: s.file, component, object });
      fingerprint(print, objectScope(s.file), r.inputs, [], secrets);
    } else if (s.file?.startsWith(`${HOSTS_DIR}/`)) {
      stepFiles.set(s.file, r);
    } else if (r.type !== "pulumi:pulumi:Stack") {
      resources.push({ urn: r.urn, type: r.type, name: r.name, custom: r.custom, inputs: scrub(r.inputs) });
      fingerprint(print, resourceScope(r.urn), r.inputs, [], secrets);
    }
  }
  const scripts = new Map<string, string>();
  for (const [file, content] of synth.files) {
    if (file === SUMMARY_FILE || !file.startsWith(`${HOSTS_DIR}/`)) continue;
    scripts.set(file, content);
  }
  // A secret inside a host step's input makes the whole file `<secret>`: print the whole input.
  for (const [shFile, r] of stepFiles) {
    const base = shFile.slice(0, -".sh".length);
    const parts: [string, unknown][] = [
      [shFile, r.inputs["create"]],
      [`${base}.stdin`, r.inputs["stdin"]],
      [`${base}.delete.sh`, r.inputs["delete"]],
    ];
    for (const [file, raw] of parts) {
      if (raw !== undefined && containsSecret(raw)) secrets.set(secretLocation(scriptScope(file), []), print(raw));
    }
  }
  fingerprint(print, OUTPUTS_SCOPE, outputs, [], secrets);
  return { objects, scripts, outputs: scrub(outputs), resources, secrets };
}
