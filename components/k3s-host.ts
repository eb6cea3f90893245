/**
 * `K3sHost`: the host steps of one machine (`core/k3s/steps.ts` plans them) as `remote.Command`s run over SSH, in
 * order. Each step waits for the previous one; scripts are safe to run again and their versions and hashes are in
 * `triggers`, so an unchanged stack runs nothing. Secrets never enter a command string: the cluster token reaches
 * the steps that need it on stdin, and a step whose stdout is secret (the kubeconfig read) is stored as a secret and
 * never logged.
 */
import { remote } from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { type HostStep, stepStdin } from "../core/k3s/steps.ts";
import type { Host } from "../core/model.ts";
import type { SshConnection } from "../providers/infra-provider.ts";

export interface K3sHostArgs {
  /** The normalised host (its node name names the children). */
  readonly host: Host;
  /** How to reach it. */
  readonly connection: pulumi.Input<SshConnection>;
  /** Its steps, in the order they run. */
  readonly steps: readonly HostStep[];
  /**
   * The same steps rendered with the machine's real addresses, when those are known only once the machines exist
   * (`steps` then holds the stand-in `UNKNOWN_ADDRESS`): each step's command and triggers are taken from here, so
   * they wait for the addresses and every step depends on the resources that produce them. @default `steps`
   */
  readonly resolved?: pulumi.Output<readonly HostStep[]>;
  /** The cluster token; given on stdin to the steps that ask for it. */
  readonly token: pulumi.Output<string>;
  /** What the first step waits for (another host's steps, a machine being created). @default [] */
  readonly after?: readonly pulumi.Resource[];
  /** `host` with its real address, when it is known only once the machine exists. @default host */
  readonly resolvedHost?: pulumi.Output<Host>;
}

/** Step `i` of the resolved plan, which must be the same step as the one planned up front. */
function resolvedStep(steps: readonly HostStep[], i: number, name: string): HostStep {
  const step = steps[i];
  if (step?.name !== name) {
    throw new Error(`host step ${i} is '${step?.name ?? "missing"}' once the addresses are known, '${name}' before`);
  }
  return step;
}

/** `remote.Command` options of a step: secrets kept out of logs and state, bounded time. */
export function stepOptions(step: HostStep): Partial<pulumi.CustomResourceOptions> {
  const timeout = `${step.timeoutSeconds}s`;
  return {
    customTimeouts: { create: timeout, update: timeout, delete: timeout },
    ...(step.secretStdout ? { additionalSecretOutputs: ["stdout"] } : {}),
  };
}

export class K3sHost extends pulumi.ComponentResource {
  /** The machine these steps run on. */
  readonly host: Host;
  /** The host with its real address (equal to `host` when the address was known up front). */
  readonly resolvedHost: pulumi.Output<Host>;
  /** How it is reached (other host-side components, such as the gateway registration, reuse it). */
  readonly connection: pulumi.Input<SshConnection>;
  /** The step commands by step name, in order. */
  readonly commands: ReadonlyMap<string, remote.Command>;
  /** The last step: whatever needs this host finished waits for it. */
  readonly last: remote.Command;
  /** The step whose stdout is a secret (the kubeconfig read on the first server), when planned. */
  readonly secretReader?: remote.Command;

  constructor(name: string, args: K3sHostArgs, opts?: pulumi.ComponentResourceOptions) {
    super("skipper:cluster:K3sHost", name, {}, opts);
    this.host = args.host;
    this.resolvedHost = pulumi.output(args.resolvedHost ?? args.host) as pulumi.Output<Host>;
    this.connection = args.connection;
    const commands = new Map<string, remote.Command>();
    let previous: readonly pulumi.Resource[] = args.after ?? [];
    for (const [i, step] of args.steps.entries()) {
      const live = args.resolved?.apply((steps) => resolvedStep(steps, i, step.name));
      const stdin = stepStdin(step, pulumi.secret(args.token));
      const quiet = step.secretStdout || step.tokenStdin;
      const command = new remote.Command(
        `${name}-${step.name}`,
        {
          connection: args.connection,
          create: live ? live.apply((s) => s.create) : step.create,
          ...(stdin !== undefined ? { stdin } : {}),
          triggers: live ? live.apply((s) => [...s.triggers]) : [...step.triggers],
          // Logs of a step that reads a secret or is handed the token could carry it: keep them out of Pulumi's log.
          ...(quiet ? { logging: "none" } : {}),
          // Earlier runs' output is not needed and would copy the kubeconfig into the next run's environment.
          addPreviousOutputInEnv: false,
        },
        { parent: this, dependsOn: [...previous], ...stepOptions(step) },
      );
      commands.set(step.name, command);
      if (step.secretStdout) this.secretReader = command;
      previous = [command];
    }
    const last = previous[0];
    if (!(last instanceof remote.Command)) throw new Error(`host ${args.host.address}: no steps were planned`);
    this.commands = commands;
    this.last = last;
    this.registerOutputs({});
  }
}
