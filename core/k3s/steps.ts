/**
 * The ordered host steps for one host, exactly as the cluster component hands them to `remote.Command` (and as
 * `kip synth` writes them out and the host tests run them over SSH):
 *
 *   preflight → manifests (servers, before install so k3s applies the HelmChartConfig on its first start)
 *   → install (server init on host 0, server join or agent join elsewhere) → wait-ready (servers, bounded)
 *   → wait-addons (host 0, when `waitForCrds` names any: bounded wait until the add-ons' CRDs are Established and,
 *     with cert-manager's CRDs, its webhook Deployment is Available, so the in-cluster objects, which all wait for
 *     the kubeconfig, never meet "no matches for kind" or "failed calling webhook")
 *   → read-kubeconfig (host 0 only; stdout is the raw kubeconfig and is secret).
 *
 * Secrets: the cluster token is never part of `create`. A step with `tokenStdin: true` must be given the token as its
 * stdin (see `stepStdin`); its script reads it from there and stores it in a root-only file. Every other step either
 * takes no stdin or a non-secret `stdin` (the add-on manifests).
 *
 * Triggers hold the k3s version, the hash of the command and, for the manifests step, the hash of the manifests (for
 * wait-addons, the CRD names): an unchanged stack re-runs nothing, a new k3s version changes only the install step's
 * triggers, and a new CRD list only wait-addons'. No step has a `delete` command on purpose: a trigger change is a
 * replacement (delete, then create), and a delete that removed k3s would wipe the cluster on every version bump.
 */
import { createHash } from "node:crypto";
import type { Cluster, Host } from "../model.ts";
import { addonDeployments } from "./addon-crds.ts";
import {
  installScript,
  manifestsScript,
  preflightScript,
  readKubeconfigScript,
  waitAddonsScript,
  waitReadyScript,
} from "./scripts.ts";
import { privileged } from "./shell.ts";

export interface HostStep {
  /**
   * Stable step name, unique per host: `preflight`, `manifests`, `install`, `wait-ready`, `wait-addons`,
   * `read-kubeconfig`.
   */
  readonly name: string;
  /** The command string for `remote.Command` `create`; never holds a secret. */
  readonly create: string;
  /** The bash script `create` runs (as root), unquoted, for people and `kip synth` to read. */
  readonly script?: string;
  /** Non-secret stdin for the command (the add-on manifests). Unset when the step takes none or takes the token. */
  readonly stdin?: string;
  /** When true the command must get the cluster token (and nothing else) as stdin. @default false */
  readonly tokenStdin?: boolean;
  /** `remote.Command` triggers: a change re-runs (replaces) the step. */
  readonly triggers: readonly string[];
  /** stdout holds a secret (the kubeconfig): use `additionalSecretOutputs: ["stdout"]` and `logging: "none"`. */
  readonly secretStdout?: boolean;
  /** Upper bound for the step; use it for `customTimeouts.create`. */
  readonly timeoutSeconds: number;
}

export interface PlanOptions {
  /** Multi-document YAML written to the servers' k3s auto-deploy folder (skipper-addons.yaml). @default none */
  readonly manifests?: string;
  /** How long wait-ready (and the install after a change) waits for the node to be Ready. @default 300 */
  readonly readySeconds?: number;
  /**
   * CRDs (`<plural>.<group>`) the first server waits for, bounded, before the kubeconfig is read (see `addonCrds`).
   * @default none: no wait-addons step
   */
  readonly waitForCrds?: readonly string[];
  /** How long wait-addons waits for them (and for cert-manager's webhook, see `addonDeployments`). @default 600 */
  readonly addonsSeconds?: number;
}

export const DEFAULT_READY_SECONDS = 300;
export const DEFAULT_ADDONS_SECONDS = 600;

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function step(
  name: string,
  host: Host,
  script: string,
  extra: Omit<HostStep, "name" | "create" | "script" | "triggers">,
  triggers: string[],
): HostStep {
  const create = privileged(script, name, host);
  return { name, create, script, triggers: [name, ...triggers, `script:${sha256(create).slice(0, 16)}`], ...extra };
}

/** The steps for `host` of `cluster`, in the order they must run. */
export function planHostSteps(cluster: Cluster, host: Host, opts: PlanOptions = {}): HostStep[] {
  const readySeconds = opts.readySeconds ?? DEFAULT_READY_SECONDS;
  const server = host.role === "server";
  const steps: HostStep[] = [step("preflight", host, preflightScript(cluster, host), { timeoutSeconds: 120 }, [])];
  if (server && opts.manifests !== undefined) {
    steps.push(
      step("manifests", host, manifestsScript(host), { stdin: opts.manifests, timeoutSeconds: 60 }, [
        `manifests:${sha256(opts.manifests).slice(0, 16)}`,
      ]),
    );
  }
  steps.push(
    step(
      "install",
      host,
      installScript(cluster, host, readySeconds),
      { tokenStdin: true, timeoutSeconds: 900 + readySeconds },
      [`k3s:${cluster.k3s.version}`],
    ),
  );
  if (server) {
    steps.push(
      step("wait-ready", host, waitReadyScript(host, readySeconds), { timeoutSeconds: readySeconds + 60 }, []),
    );
  }
  const crds = [...new Set(opts.waitForCrds ?? [])];
  if (server && host.index === 0 && crds.length > 0) {
    const seconds = opts.addonsSeconds ?? DEFAULT_ADDONS_SECONDS;
    steps.push(
      step(
        "wait-addons",
        host,
        waitAddonsScript(host, crds, seconds, addonDeployments(crds)),
        { timeoutSeconds: seconds + 60 },
        [`crds:${crds.join(",")}`],
      ),
    );
  }
  if (host.index === 0) {
    steps.push(
      step("read-kubeconfig", host, readKubeconfigScript(host), { secretStdout: true, timeoutSeconds: 60 }, []),
    );
  }
  return steps;
}

/**
 * The stdin to give a step: the token for `tokenStdin` steps, else the step's own (public) stdin, or none. `token` is
 * a string over plain SSH (the host tests) or a secret Output in the component.
 */
export function stepStdin<T>(s: HostStep, token: T): T | string | undefined {
  return s.tokenStdin ? token : s.stdin;
}
