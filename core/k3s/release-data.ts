/**
 * The `release-data` step: what makes `deleteDataOnDestroy` hold when the whole stack is destroyed. Removing one
 * such service from a running stack needs nothing extra (its StatefulSet's claim retention policy is Delete, and the
 * StorageClass's reclaim policy Delete removes the volume). A full destroy does: every in-cluster object is
 * `deletedWith` the k3s install step, so Pulumi skips those deletes, and the machines go with their k3s, while a
 * cloud keeps the volumes its CSI driver made. This step runs on the first server, once k3s is up; its `create` is a
 * check, and its `delete`, which runs before the host steps and the machines are deleted (see the component), releases
 * the data of the services that opted in:
 *   1. deletes the service's StatefulSet, then waits until its pods are gone (nothing holds the volume any more);
 *   2. notes the PersistentVolumes whose claim is one of the service's (`data-<service>-<ordinal>`, found from the
 *      volume's `claimRef`, so a second run still finds a volume whose claim is already gone), deletes the claims;
 *   3. waits, bounded, until those volumes no longer exist (the storage driver deleted them), or fails naming them.
 * Everything it does is safe to run again: what is already gone is reported `unchanged`.
 *
 * Only services whose StatefulSet, as the cluster holds it, still says `whenDeleted: Delete` (or that no longer
 * exist) are touched: the script is the one of the last `up`, and a service whose `deleteDataOnDestroy` was turned
 * off in the update that also drops this step (the last opt-in gone) has been updated to Retain before the step's
 * delete runs, so its data stays.
 *
 * Claims of a StatefulSet are named `<template>-<statefulset>-<ordinal>` and carry its selector labels (Kubernetes'
 * `getPersistentVolumeClaimName` / `getPersistentVolumeClaims`, pkg/controller/statefulset/stateful_set_utils.go):
 * the script selects them by those labels and keeps only names of that form, so another service's claims (`db-0`'s
 * are `data-db-0-0`, not `data-db-<n>`) are never matched. How kubectl prints what the script reads (kubectl's
 * pkg/cmd/get/get.go, `printGeneric`): a get of one name prints that object itself (a jsonpath applies to it), and
 * with `--ignore-not-found` nothing at all when it is missing; a get by label selector prints a List, also of zero or
 * one item, so `{range .items[*]}` applies.
 */

import { selectorLabels } from "../labels.ts";
import type { Cluster, Host, Service } from "../model.ts";
import { DATA_VOLUME } from "../render/service.ts";
import { K3S_BIN } from "./scripts.ts";
import { prelude, privileged, shQuote } from "./shell.ts";

/** The step's name (its Pulumi name is `<cluster>-release-data`, and a URN must never change: see the component). */
export const RELEASE_DATA_STEP = "release-data";
/** How long the delete waits, in all, for pods and volumes to go. */
export const DEFAULT_RELEASE_SECONDS = 600;
/** Seconds between two polls. */
export const DEFAULT_RELEASE_POLL_SECONDS = 2;
/** A progress line at the first poll that finds something left, then every this many polls of one wait. */
export const PROGRESS_EVERY_POLLS = 15;

export interface ReleaseDataOptions {
  /** Upper bound of the whole delete. @default DEFAULT_RELEASE_SECONDS */
  readonly seconds?: number;
  /** Pause between polls. @default DEFAULT_RELEASE_POLL_SECONDS */
  readonly pollSeconds?: number;
  /** The k3s binary (tests point it at a stand-in). @default K3S_BIN */
  readonly k3sBin?: string;
}

/** A service whose data the step releases. */
export type ReleasedService = Pick<Service, "name" | "namespace">;

/** The step as the component creates it: both commands are `privileged` (run as root), neither holds a secret. */
export interface ReleaseDataStep {
  readonly name: string;
  /** `create`: checks k3s is there and says which services' data a destroy deletes. */
  readonly create: string;
  /** `delete`: releases their data (see the file header). */
  readonly delete: string;
  /** The scripts inside `create` and `delete`, for people and tests. */
  readonly createScript: string;
  readonly deleteScript: string;
  /** Upper bound for the delete, for `customTimeouts.delete`. */
  readonly timeoutSeconds: number;
}

/** The services that set `deleteDataOnDestroy`, sorted by namespace and name (the script is deterministic). */
export function releasedServices(services: readonly Service[]): ReleasedService[] {
  return services
    .filter((s) => s.deleteDataOnDestroy)
    .map((s) => ({ name: s.name, namespace: s.namespace }))
    .sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
}

function serviceList(services: readonly ReleasedService[]): string {
  return services.map((s) => `${s.namespace}/${s.name}`).join(", ");
}

/** `key=value,…` of a service's selector labels: on its pods and on its claims. */
function selector(svc: ReleasedService): string {
  return Object.entries(selectorLabels(svc.name))
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
}

/** What to do when the cluster cannot be asked (k3s gone, API down). */
function noClusterFix(cluster: Cluster, host: Host): string {
  return (
    `start k3s on ${host.address} ('systemctl start k3s') and run the destroy again; if the cluster is gone for good, ` +
    `delete the services' volumes yourself (on Hetzner Cloud: hcloud volume list -l skipper.run/cluster=${cluster.id}) ` +
    `and drop this step from the state (pulumi stack --show-urns, then pulumi state delete '<urn of ${RELEASE_DATA_STEP}>')`
  );
}

/** The `create` script: a check, no change. */
export function releaseDataCheckScript(host: Host, services: readonly ReleasedService[], k3sBin = K3S_BIN): string {
  return `${prelude(RELEASE_DATA_STEP, host)}
[ -x ${shQuote(k3sBin)} ] || fail "k3s is not installed at ${k3sBin}. Fix: run the install step first"
echo ${shQuote(`skipper: ok on destroy this step deletes the volumes of ${serviceList(services)} (deleteDataOnDestroy)`)}
`;
}

/** The `delete` script (see the file header). `services` come from `releasedServices`. */
export function releaseDataScript(
  cluster: Cluster,
  host: Host,
  services: readonly ReleasedService[],
  opts: ReleaseDataOptions = {},
): string {
  const seconds = opts.seconds ?? DEFAULT_RELEASE_SECONDS;
  const poll = opts.pollSeconds ?? DEFAULT_RELEASE_POLL_SECONDS;
  const k3s = opts.k3sBin ?? K3S_BIN;
  const list = services.map((s) => shQuote(`${s.namespace} ${s.name} ${selector(s)}`)).join(" ");
  const stuckFix =
    `look at 'k3s kubectl describe pv <name>' on ${host.address} and the storage driver's pods in kube-system; ` +
    `delete the volumes left behind yourself (on Hetzner Cloud: hcloud volume list -l skipper.run/cluster=${cluster.id}, ` +
    "then hcloud volume delete <id>), then run the destroy again";
  return `${prelude(RELEASE_DATA_STEP, host)}
kube() { ${shQuote(k3s)} kubectl "$@"; }
no_cluster_fix=${shQuote(noClusterFix(cluster, host))}
[ -x ${shQuote(k3s)} ] || fail "k3s is not installed at ${k3s}, so the volumes of ${serviceList(services)} cannot be released. Fix: $no_cluster_fix"
start=$SECONDS
deadline=$(( start + ${seconds} ))

# wait_gone WHAT FIX COMMAND...: poll COMMAND (prints what is left, one a line) until it prints nothing, by the deadline.
wait_gone() {
  local what=$1 fix=$2 left polls=0
  shift 2
  while :; do
    left=$("$@") || fail "could not list the $what (kubectl's error above). Fix: $no_cluster_fix"
    [ -z "$left" ] && return 0
    polls=$(( polls + 1 ))
    if [ $(( polls % ${PROGRESS_EVERY_POLLS} )) = 1 ]; then
      echo "skipper: waiting for the $what to go ($(( SECONDS - start )) s): $(paste -sd ' ' <<<"$left")"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      fail "after ${seconds} s these $what still exist: $(paste -sd ' ' <<<"$left"). Fix: $fix"
    fi
    sleep ${poll}
  done
}

# Pods of service $2 in namespace $1 (selector $3): <namespace>/<pod>, one a line.
service_pods() {
  kube -n "$1" get pods -l "$3" -o 'jsonpath={range .items[*]}{.metadata.name}{"\\n"}{end}' | { grep -E "^$2-[0-9]+$" || true; } | sed "s|^|$1/|"
}
all_pods() {
  local s ns svc sel
  for s in "\${released[@]}"; do read -r ns svc sel <<<"$s"; service_pods "$ns" "$svc" "$sel" || return 1; done
}
# Volumes still there among the noted ones, one a line.
volumes_left() {
  kube get pv "\${volumes[@]}" --ignore-not-found -o name | sed 's|^persistentvolume/||'
}

services=(${list})
released=()
names=()
for s in "\${services[@]}"; do
  read -r ns svc sel <<<"$s"
  if ! sts=$(kube -n "$ns" get statefulset "$svc" --ignore-not-found -o 'jsonpath={.metadata.name}={.spec.persistentVolumeClaimRetentionPolicy.whenDeleted}'); then
    fail "could not read the StatefulSet $ns/$svc (kubectl's error above). Fix: $no_cluster_fix"
  fi
  if [ -n "$sts" ] && [ "\${sts#*=}" != Delete ]; then
    # deleteDataOnDestroy was turned off after the step was last set up: the data stays.
    unchanged "data of service $ns/$svc kept: its StatefulSet retains its claims (whenDeleted: \${sts#*=})"
    continue
  fi
  released+=("$s")
  names+=("$ns/$svc")
  if [ -n "$sts" ]; then
    kube -n "$ns" delete statefulset "$svc" --ignore-not-found --wait=false >/dev/null \\
      || fail "could not delete the StatefulSet $ns/$svc (kubectl's error above). Fix: $no_cluster_fix"
    changed "statefulset $ns/$svc deleted"
  else
    unchanged "statefulset $ns/$svc already gone"
  fi
done
[ \${#released[@]} -gt 0 ] || exit 0

wait_gone "pods of the services" "see why with 'k3s kubectl -n <namespace> describe pod <pod>' on ${host.address} (a pod on a node that is down stays until the node is back, or until 'k3s kubectl -n <namespace> delete pod <pod> --force --grace-period=0'), then run the destroy again" all_pods
echo "skipper: ok the services' pods are gone"

# The volumes of their claims, found from each volume's claimRef (also when the claim is already gone).
# Fields split on "|" (no name holds one; a tab, as whitespace, would merge the empty fields of an unbound volume).
pvs=$(kube get pv -o 'jsonpath={range .items[*]}{.metadata.name}{"|"}{.spec.claimRef.namespace}{"|"}{.spec.claimRef.name}{"|"}{.spec.persistentVolumeReclaimPolicy}{"\\n"}{end}') \\
  || fail "could not list the PersistentVolumes (kubectl's error above). Fix: $no_cluster_fix"
volumes=()
declare -A claim_of=()
for s in "\${released[@]}"; do
  read -r ns svc sel <<<"$s"
  while IFS='|' read -r pv pv_ns pv_claim policy; do
    [ "$pv_ns" = "$ns" ] && [[ $pv_claim =~ ^${DATA_VOLUME}-$svc-[0-9]+$ ]] || continue
    if [ "$policy" = Delete ]; then
      volumes+=("$pv")
      claim_of[$pv]="$ns/$pv_claim"
    else
      echo "skipper: warning: $SKIPPER_WHERE: volume $pv of $ns/$pv_claim is kept: its reclaim policy is \${policy:-unset}, not Delete. Delete it yourself if its data is no longer needed ('k3s kubectl delete pv $pv', then the storage it names)" >&2
    fi
  done <<<"$pvs"
  claims=$(kube -n "$ns" get pvc -l "$sel" -o 'jsonpath={range .items[*]}{.metadata.name}{"\\n"}{end}') \\
    || fail "could not list the claims of $ns/$svc (kubectl's error above). Fix: $no_cluster_fix"
  mapfile -t mine < <(grep -E "^${DATA_VOLUME}-$svc-[0-9]+$" <<<"$claims" || true)
  if [ \${#mine[@]} -gt 0 ]; then
    kube -n "$ns" delete pvc "\${mine[@]}" --ignore-not-found --wait=false >/dev/null \\
      || fail "could not delete the claims of $ns/$svc (kubectl's error above). Fix: $no_cluster_fix"
    for c in "\${mine[@]}"; do changed "claim $ns/$c deleted"; done
  else
    unchanged "claims of $ns/$svc already gone"
  fi
done

if [ \${#volumes[@]} -gt 0 ]; then
  wait_gone "volumes (PersistentVolumes) whose claims were deleted" ${shQuote(stuckFix)} volumes_left
  for pv in "\${volumes[@]}"; do changed "volume $pv of \${claim_of[$pv]} deleted"; done
else
  unchanged "volumes of \${names[*]} already gone"
fi
echo "skipper: ok data released after $(( SECONDS - start )) s"
`;
}

/** The step for the first server of `cluster`, or undefined when no service opted in (the stack has no such step). */
export function planReleaseData(
  cluster: Cluster,
  host: Host,
  services: readonly Service[],
  opts: ReleaseDataOptions = {},
): ReleaseDataStep | undefined {
  const released = releasedServices(services);
  if (released.length === 0) return undefined;
  const createScript = releaseDataCheckScript(host, released, opts.k3sBin);
  const deleteScript = releaseDataScript(cluster, host, released, opts);
  return {
    name: RELEASE_DATA_STEP,
    create: privileged(createScript, RELEASE_DATA_STEP, host),
    delete: privileged(deleteScript, RELEASE_DATA_STEP, host),
    createScript,
    deleteScript,
    timeoutSeconds: (opts.seconds ?? DEFAULT_RELEASE_SECONDS) + 120,
  };
}
