/**
 * The release-data step (`core/k3s/release-data.ts`): a `remote.Command` on the cluster's first server whose
 * `delete` deletes the volumes of the services that set `deleteDataOnDestroy` when the stack is destroyed. Created
 * only when at least one service opted in; a stack without one has no such resource.
 *
 * Order. It depends on the last host step of every machine, so Pulumi, which deletes dependents before what they
 * depend on, runs its delete while k3s, the storage driver and every node are still up: before any host step and any
 * machine goes (a volume may sit on any node, and the driver's controller may run on any node). The services'
 * objects are skipped on a full destroy (`deletedWith` the k3s install); the script deletes what it needs itself. The
 * opted-in services' components depend on the step, so when one is removed from a running stack its StatefulSet goes
 * first (its claim retention policy deletes the claim, as before) and, if it was the last one, the step after it.
 *
 * What pulumi-command does with it (read in github.com/pulumi/pulumi-command at tag v1.2.1, the version pinned here,
 * and pulumi-go-provider v1.3.0 which it builds on):
 * - `(*Command).Delete` (provider/pkg/provider/remote/commandController.go) runs `Delete` from `req.State`: the
 *   inputs stored by the last create or update, over the connection stored there. `pulumi destroy` does not run the
 *   program, so the script that runs is the one of the last `up`.
 * - Only `triggers` is `replaceOnChanges` (provider/pkg/provider/common/inputs.go); since Command implements
 *   `CustomUpdate`, infer's `derivedResourceController.Diff` (infer/resource.go) makes a change of `create` or
 *   `delete` an update, and `(*Command).Update` then runs `update`, or `create` when there is none, and stores the new
 *   inputs. So a new set of opted-in services reruns the harmless check and stores the new delete script; the old one
 *   never runs.
 * - A replacement would create the new resource, then delete the old one with the OLD delete script, while the
 *   services still run. So the step has no `triggers`, and its name (part of its URN) must never change: a renamed
 *   step is a delete of the old one. Its parent is the cluster component, not the first host, whose name follows
 *   the host.
 * When the last opted-in service turns `deleteDataOnDestroy` off, the step leaves the program and Pulumi deletes it
 * at the end of that update, after the StatefulSet was updated to `whenDeleted: Retain`: the script skips a service
 * whose StatefulSet says so, so that data stays.
 */
import { remote } from "@pulumi/command";
import type * as pulumi from "@pulumi/pulumi";
import { planReleaseData, RELEASE_DATA_STEP } from "../core/k3s/release-data.ts";
import type { Stack } from "../core/model.ts";
import type { K3sCluster } from "./k3s-cluster.ts";

/** How long the check may take (it only looks for the k3s binary). */
const CHECK_TIMEOUT = "2m";

/**
 * The step for `stack`'s services on `cluster`'s first server, named `<name>-release-data` under the cluster, or
 * undefined when no service set `deleteDataOnDestroy`.
 */
export function releaseDataOnDestroy(name: string, cluster: K3sCluster, stack: Stack): remote.Command | undefined {
  const first = cluster.hosts[0];
  if (!first) return undefined;
  // Planned once for the options; the commands are rendered with the first server's real address once it is known.
  const planned = planReleaseData(stack.cluster, first.host, stack.services);
  if (!planned) return undefined;
  const live = first.resolvedHost.apply((host) => planReleaseData(stack.cluster, host, stack.services)!);
  return new remote.Command(
    `${name}-${RELEASE_DATA_STEP}`,
    {
      connection: first.connection,
      create: live.apply((s) => s.create),
      delete: live.apply((s) => s.delete),
      addPreviousOutputInEnv: false,
    },
    {
      parent: cluster,
      dependsOn: cluster.hosts.map((h): pulumi.Resource => h.last),
      customTimeouts: { create: CHECK_TIMEOUT, update: CHECK_TIMEOUT, delete: `${planned.timeoutSeconds}s` },
    },
  );
}
