/**
 * The bash scripts of the host steps (preflight, add-on manifests, k3s install/join, wait for Ready, wait for the
 * add-ons' CRDs, read the kubeconfig). Each is a pure function of the cluster and the host, starts with the shared
 * prelude (strict mode, report lines, atomic writes), checks before it acts and is safe to run again. None of them
 * contains a secret: the install reads the cluster token from stdin and keeps it in a root-only file that k3s reads
 * (`token-file`).
 *
 * What the install step relies on from the real k3s installer (get.k3s.io = `install.sh` of github.com/k3s-io/k3s,
 * read at commit 0136cf25) and from k3s's flags (`pkg/cli/cmds/server.go`, `pkg/cli/cmds/agent.go`):
 * - `INSTALL_K3S_SKIP_DOWNLOAD=true` skips hash, binary and SELinux RPM downloads and ignores `INSTALL_K3S_VERSION`;
 *   it only requires an executable `$BIN_DIR/k3s` ("Executable k3s binary not found at …"). Without
 *   `INSTALL_K3S_BIN_DIR` the installer picks `/usr/local/bin`, or `/opt/bin` when that is not writable, so the step
 *   pins `INSTALL_K3S_BIN_DIR` to the folder it put the binary in, and checks the version itself afterwards.
 * - With or without that switch it still writes the kubectl/crictl/ctr links (only where no such command exists), the
 *   `k3s-killall.sh` and `<service>-uninstall.sh` scripts, the unit `/etc/systemd/system/<service>.service` and its
 *   `.env` file (service `k3s` for a server, `k3s-agent` for an agent), then enables and restarts the service.
 * - The `.env` file (mode 0600) receives every exported `K3S_*` and `CONTAINERD_*` variable and the proxy variables.
 *   So the token is never exported as `K3S_TOKEN`; `K3S_TOKEN_FILE` is only a file name. The installer itself reads
 *   K3S_TOKEN / K3S_TOKEN_FILE only to refuse an agent it had to default to (K3S_URL set, no command given); k3s
 *   reads `K3S_TOKEN_FILE` (flag `--token-file`) and `K3S_URL` (`--server`), as it reads `token-file` and `server`
 *   from `/etc/rancher/k3s/config.yaml`, where the same values are written.
 * - `INSTALL_K3S_EXEC`: its first word is the command when it does not start with `-` (we always give `server` or
 *   `agent`); the rest are flags, word-split and evaluated (validation keeps quotes, `$` and spaces out of them).
 *   `K3S_URL` must be empty or start with `https://`.
 * - Restart: the installer hashes `$BIN_DIR/k3s`, the unit and the env file before and after, and skips the restart
 *   when they match unless `INSTALL_K3S_FORCE_RESTART=true`. In mirror mode the new binary is in place before the
 *   installer runs, and `config.yaml` is not hashed at all, so an upgrade or a config change would leave the old k3s
 *   running: the step always forces the restart (it only runs the installer when something changed).
 * - `INSTALL_K3S_SKIP_ENABLE` / `INSTALL_K3S_SKIP_START` (and `INSTALL_K3S_NAME`/`_TYPE`/`_SYSTEMD_DIR`/`_SYMLINK`)
 *   would leave k3s stopped or elsewhere: the step unsets them.
 * - Release layout (`download_hash`, `download_binary`): `<version>/k3s` on amd64, `<version>/k3s-arm64` on arm64,
 *   checked against the line ending in ` k3s` / ` k3s-arm64` of `<version>/sha256sum-amd64.txt` / `-arm64.txt`.
 * - Config keys are the flags' long names: `node-name`, `token-file`, `server` (server and agent), `tls-san` (a list),
 *   `cluster-init`, `write-kubeconfig-mode` (server only).
 */
import { stringify } from "yaml";
import type { Cluster, Host } from "../model.ts";
import type { AddonDeployment } from "./addon-crds.ts";
import { kubeconfigServer } from "./kubeconfig.ts";
import { hostLabel, prelude, shQuote } from "./shell.ts";

export const K3S_BIN = "/usr/local/bin/k3s";
export const K3S_CONFIG = "/etc/rancher/k3s/config.yaml";
export const K3S_TOKEN_FILE = "/etc/rancher/k3s/skipper-token";
export const K3S_KUBECONFIG = "/etc/rancher/k3s/k3s.yaml";
export const ADDON_MANIFESTS = "/var/lib/rancher/k3s/server/manifests/skipper-addons.yaml";

/** Operating systems the preflight accepts (k3s's tested platforms that Skipper supports). */
export const SUPPORTED_OS = "Debian 11, 12 or 13, or Ubuntu 20.04 or later";

/** How many servers the cluster has; host 0 runs `--cluster-init` (embedded etcd) only when there are several. */
function serverCount(cluster: Cluster): number {
  return cluster.hosts.filter((h) => h.role === "server").length;
}

/** Where joining hosts reach the first server: its node IP when it has one (a private network), else its address. */
export function joinServerUrl(cluster: Cluster): string {
  const first = cluster.hosts[0]!;
  return kubeconfigServer(first.nodeIp ?? first.address);
}

/**
 * The content of `/etc/rancher/k3s/config.yaml` for `host` (no secret: the token is referenced by file). With a node
 * IP, the install step appends `flannel-iface` (the interface holding that IP, found on the host).
 */
export function k3sConfigYaml(cluster: Cluster, host: Host): string {
  const config: Record<string, unknown> = { "node-name": host.nodeName, "token-file": K3S_TOKEN_FILE };
  if (host.nodeIp) config["node-ip"] = host.nodeIp;
  if (host.role === "server") {
    config["tls-san"] = [...host.tlsSans];
    config["write-kubeconfig-mode"] = "0600";
    if (host.index === 0 && serverCount(cluster) > 1) config["cluster-init"] = true;
  }
  if (host.index !== 0) config["server"] = joinServerUrl(cluster);
  return `# Written by Skipper (k3s install step); edits are replaced on the next run.\n${stringify(config)}`;
}

/** Preflight: reads only, changes nothing; lists every problem it finds, then fails. */
export function preflightScript(cluster: Cluster, host: Host): string {
  const { minMemoryMiB, minDiskGiB, ports } = cluster.preflight;
  const portList = host.role === "server" ? ports.join(" ") : "";
  return `${prelude("preflight", host)}
problems=()
problem() { problems+=("$*"); }

if [ -r /etc/os-release ]; then
  os_id=$(. /etc/os-release && echo "\${ID:-unknown}")
  os_version=$(. /etc/os-release && echo "\${VERSION_ID:-unknown}")
else
  os_id=unknown; os_version=unknown
fi
case "$os_id" in
  debian) case "$os_version" in 11|12|13) os_ok=1 ;; *) os_ok=0 ;; esac ;;
  ubuntu) major=\${os_version%%.*}; if [ "$major" -ge 20 ] 2>/dev/null; then os_ok=1; else os_ok=0; fi ;;
  *) os_ok=0 ;;
esac
if [ "$os_ok" = 1 ]; then echo "skipper: ok os $os_id $os_version"
else problem "unsupported operating system '$os_id $os_version' (from /etc/os-release). Fix: use ${SUPPORTED_OS}"; fi

case "$(uname -m)" in
  x86_64|amd64) echo "skipper: ok architecture amd64" ;;
  aarch64|arm64) echo "skipper: ok architecture arm64" ;;
  *) problem "unsupported CPU architecture '$(uname -m)'. Fix: use an amd64 or arm64 machine" ;;
esac

mem_mib=$(( $(awk '/^MemTotal:/ {print $2}' /proc/meminfo) / 1024 ))
if [ "$mem_mib" -ge ${minMemoryMiB} ]; then echo "skipper: ok memory $mem_mib MiB"
else problem "only $mem_mib MiB of memory, at least ${minMemoryMiB} MiB needed. Fix: use a bigger machine, or lower cluster.preflight.minMemoryMiB if you know it is enough"; fi

disk_mib=$(df -Pm /var/lib | awk 'NR==2 {print $4}')
if [ "$disk_mib" -ge $(( ${minDiskGiB} * 1024 )) ]; then echo "skipper: ok disk $(( disk_mib / 1024 )) GiB free on /var/lib"
else problem "only $(( disk_mib / 1024 )) GiB free on /var/lib, at least ${minDiskGiB} GiB needed. Fix: free space or grow the disk, or lower cluster.preflight.minDiskGiB"; fi

if command -v systemctl >/dev/null 2>&1; then echo "skipper: ok systemd"
else problem "systemd (systemctl) not found; k3s runs as a systemd service. Fix: use a systemd-based ${SUPPORTED_OS}"; fi

if command -v curl >/dev/null 2>&1 || command -v wget >/dev/null 2>&1; then echo "skipper: ok downloader"
else problem "neither curl nor wget is installed. Fix: apt-get install -y curl"; fi

for port in ${portList}; do
  if ! command -v ss >/dev/null 2>&1; then problem "ss not found, cannot check ports. Fix: apt-get install -y iproute2"; break; fi
  holders=$(ss -Hltnp "sport = :$port" 2>/dev/null || true)
  if [ -z "$holders" ]; then echo "skipper: ok port $port free"; continue; fi
  # grep exits 1 when every listener is k3s's own (a re-run on an installed server), 0 when another holds the port.
  status=0
  others=$(printf '%s\\n' "$holders" | grep -Ev 'users:\\(\\("(k3s|traefik)') || status=$?
  if [ "$status" = 1 ]; then echo "skipper: ok port $port held by k3s"
  elif [ "$status" = 0 ]; then
    who=$(printf '%s\\n' "$others" | grep -o 'users:((.*))' | head -n1 || true)
    problem "port $port is already in use\${who:+ by $who}; k3s needs it. Fix: stop the service listening on $port (see: ss -ltnp 'sport = :$port')"
  else fail "could not check port $port (grep failed)"; fi
done

if [ \${#problems[@]} -gt 0 ]; then
  for p in "\${problems[@]}"; do echo "skipper: error: $SKIPPER_WHERE: $p" >&2; done
  echo "skipper: error: $SKIPPER_WHERE: \${#problems[@]} problem(s); nothing was installed" >&2
  exit 1
fi
`;
}

/** Write the add-on manifests (multi-document YAML on stdin) where k3s applies them at start and on change. */
export function manifestsScript(host: Host): string {
  return `${prelude("manifests", host)}
put_file ${ADDON_MANIFESTS} 0600 "manifests ${ADDON_MANIFESTS}"
`;
}

/** Shell that waits until the node reports Ready, at most `seconds`. */
function waitReadyFunction(host: Host, seconds: number): string {
  const node = shQuote(host.nodeName);
  return `wait_ready() {
  local start=$SECONDS status=""
  while :; do
    status=$(${K3S_BIN} kubectl get node ${node} -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null || true)
    [ "$status" = True ] && break
    if [ $(( SECONDS - start )) -ge ${seconds} ]; then
      fail "node ${host.nodeName} is not Ready after ${seconds} s (status: \${status:-unknown}). Fix: look at 'journalctl -u k3s -n 200' on ${host.address}, then run the deployment again"
    fi
    sleep 1
  done
  echo "skipper: ok node ${host.nodeName} ready after $(( SECONDS - start )) s"
}
`;
}

/** How long the install step waits for the node IP to appear on an interface (a network attached after boot). */
export const NODE_IP_WAIT_SECONDS = 180;

/**
 * Shell that waits (bounded) until an interface holds `nodeIp` and sets `iface` to its name, for k3s's
 * `flannel-iface`: a cloud's private network may be attached, and its interface configured, after the machine booted,
 * and its interface name differs between machine types.
 */
export function nodeInterface(nodeIp: string, seconds = NODE_IP_WAIT_SECONDS): string {
  return `node_ip=${shQuote(nodeIp)}
start=$SECONDS
while :; do
  iface=$(ip -o -4 addr show 2>/dev/null | awk -v ip="$node_ip" '{ split($4, a, "/"); if (a[1] == ip) { print $2; exit } }' || true)
  [ -n "$iface" ] && break
  if [ $(( SECONDS - start )) -ge ${seconds} ]; then
    fail "no network interface holds the node IP $node_ip after ${seconds} s. Fix: check that the machine is attached to its private network ('ip -4 addr' on it), then run the deployment again"
  fi
  sleep 2
done
case "$iface" in *[!A-Za-z0-9._-]*) fail "unexpected interface name '$iface' for $node_ip" ;; esac
echo "skipper: ok node IP $node_ip on $iface"
`;
}

/** URL path segment for a k3s version (`+` must be escaped in a URL path, as GitHub release URLs do). */
function versionSegment(version: string): string {
  return encodeURIComponent(version);
}

/** Where the install step records what the installer last completed with (version, command, join URL). */
export const INSTALL_MARKER = "/etc/rancher/k3s/skipper-installed";

/** Installer settings that would put k3s elsewhere or leave it stopped; the install step unsets them. */
const INSTALLER_OVERRIDES = [
  "INSTALL_K3S_SKIP_ENABLE",
  "INSTALL_K3S_SKIP_START",
  "INSTALL_K3S_NAME",
  "INSTALL_K3S_TYPE",
  "INSTALL_K3S_SYSTEMD_DIR",
  "INSTALL_K3S_SYMLINK",
  "INSTALL_K3S_BIN_DIR_READ_ONLY",
  "K3S_TOKEN",
];

/**
 * Install or upgrade k3s (server init, server join or agent join). Reads the cluster token from stdin.
 *
 * Mirror mode (`k3s.artifactUrl` set): the binary is fetched from `<artifactUrl>/<version>/k3s` (`k3s-arm64` on arm),
 * checked against `<artifactUrl>/<version>/sha256sum-<arch>.txt`, put in place, and the installer runs with
 * `INSTALL_K3S_SKIP_DOWNLOAD=true`; the layout is that of the GitHub releases page, so any copy of it works.
 *
 * The installer runs when the binary's version, the config or what the installer last completed with (the marker:
 * version, command, join URL) differs; the marker is written only after it succeeded, so an install interrupted after
 * the binary was put in place is finished by the next run instead of being taken for done.
 */
export function installScript(cluster: Cluster, host: Host, waitSeconds: number): string {
  const { version, installScriptUrl, artifactUrl, extraServerArgs } = cluster.k3s;
  const exec = host.role === "server" ? ["server", ...extraServerArgs].join(" ") : "agent";
  const joinUrl = host.index === 0 ? "" : joinServerUrl(cluster);
  const label = hostLabel(host);
  const binDir = K3S_BIN.slice(0, K3S_BIN.lastIndexOf("/"));
  const marker = `version=${version} exec=${exec} url=${joinUrl}`;
  return `${prelude("install", host)}
want=${shQuote(version)}
fetch() {
  if command -v curl >/dev/null 2>&1; then curl -fsSL --retry 3 --connect-timeout 20 -o "$2" "$1"
  else wget -q -T 20 -t 3 -O "$2" "$1"; fi || fail "could not download $1. Fix: check that the host can reach it (k3s.installScriptUrl / k3s.artifactUrl)"
}

token=$(cat)
[ -n "$token" ] || fail "no cluster token arrived on stdin. Fix: this step must be run by Skipper, which passes the token on stdin"
printf '%s\n' "$token" | put_file ${K3S_TOKEN_FILE} 0600 "token-file ${K3S_TOKEN_FILE}"
unset token
config_changed=$SKIPPER_CHANGED
${host.nodeIp ? nodeInterface(host.nodeIp) : ""}${host.nodeIp ? "config=$(cat <<'SKIPPER_CONFIG'" : `put_file ${K3S_CONFIG} 0600 "config ${K3S_CONFIG}" <<'SKIPPER_CONFIG'`}
${k3sConfigYaml(cluster, host)}SKIPPER_CONFIG
${host.nodeIp ? `)\nput_file ${K3S_CONFIG} 0600 "config ${K3S_CONFIG}" <<<"$config\nflannel-iface: $iface"\n` : ""}[ "$SKIPPER_CHANGED" = 1 ] && config_changed=1

marker=${shQuote(marker)}
have=""
if [ -x ${K3S_BIN} ]; then have=$(${K3S_BIN} --version 2>/dev/null | awk 'NR==1 {print $3}' || true); fi
done_with=$(cat ${INSTALL_MARKER} 2>/dev/null || true)
if [ "$have" = "$want" ] && [ "$config_changed" = 0 ] && [ "$done_with" = "$marker" ]; then
  unchanged "k3s $want"
  exit 0
fi

case "$(uname -m)" in x86_64|amd64) arch=amd64; bin=k3s ;; aarch64|arm64) arch=arm64; bin=k3s-arm64 ;;
  *) fail "unsupported CPU architecture $(uname -m)" ;; esac
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
${
  artifactUrl
    ? `if [ "$have" != "$want" ]; then
  base=${shQuote(`${artifactUrl}/${versionSegment(version)}`)}
  fetch "$base/$bin" "$work/k3s"
  fetch "$base/sha256sum-$arch.txt" "$work/sums"
  sum_want=$(awk -v f="$bin" '$2 == f || $2 == "*" f {print $1}' "$work/sums")
  [ -n "$sum_want" ] || fail "$base/sha256sum-$arch.txt has no line for $bin. Fix: copy the release's sha256sum-$arch.txt to the mirror"
  sum_got=$(sha256sum "$work/k3s" | awk '{print $1}')
  [ "$sum_got" = "$sum_want" ] || fail "checksum mismatch for $base/$bin (got $sum_got, want $sum_want). Fix: re-copy k3s $want to the mirror"
  chmod 0755 "$work/k3s"
  mv -f "$work/k3s" ${K3S_BIN}
fi
export INSTALL_K3S_SKIP_DOWNLOAD=true`
    : "# k3s.artifactUrl is unset: the installer downloads k3s from its default location."
}
fetch ${shQuote(installScriptUrl)} "$work/install.sh"
unset ${INSTALLER_OVERRIDES.join(" ")}
export INSTALL_K3S_VERSION="$want" INSTALL_K3S_EXEC=${shQuote(exec)} INSTALL_K3S_BIN_DIR=${binDir} INSTALL_K3S_FORCE_RESTART=true
${joinUrl ? `export K3S_URL=${shQuote(joinUrl)} K3S_TOKEN_FILE=${K3S_TOKEN_FILE}` : "unset K3S_URL K3S_TOKEN_FILE"}
sh "$work/install.sh" </dev/null || fail "the k3s installer failed (output above). Fix: correct the cause it names, then run the deployment again"
now=$(${K3S_BIN} --version 2>/dev/null | awk 'NR==1 {print $3}' || true)
[ "$now" = "$want" ] || fail "after installing, k3s reports version '\${now:-none}' instead of $want. Fix: check k3s.installScriptUrl / k3s.artifactUrl serve $want"
printf '%s\n' "$marker" >${INSTALL_MARKER}.tmp && mv -f ${INSTALL_MARKER}.tmp ${INSTALL_MARKER}
if [ -z "$have" ]; then changed "k3s installed $want (${host.role}${host.index === 0 ? "" : ` joining ${joinUrl}`})"
elif [ "$have" != "$want" ]; then changed "k3s upgraded $have -> $want"
elif [ "$config_changed" = 1 ]; then changed "k3s restarted with new configuration"
else changed "k3s service set up again (installer settings changed, or an earlier install did not finish)"; fi
${host.role === "server" ? `${waitReadyFunction(host, waitSeconds)}wait_ready` : `echo "skipper: ok agent ${label} installed"`}
`;
}

/** Wait (bounded) until the node is Ready. Servers only: an agent cannot ask the API itself. */
export function waitReadyScript(host: Host, seconds: number): string {
  return `${prelude("wait-ready", host)}
[ -x ${K3S_BIN} ] || fail "k3s is not installed at ${K3S_BIN}. Fix: run the install step first"
${waitReadyFunction(host, seconds)}wait_ready
`;
}

/**
 * Wait (bounded) until every CRD in `crds` exists and is Established, then, within the same bound, until every
 * Deployment in `deployments` (the add-ons' admission webhooks) is Available. The add-ons register the CRDs
 * asynchronously after k3s starts (Traefik's chart from k3s itself, cert-manager's from the HelmChart of the manifests
 * step), and the Kubernetes provider gives up on a "no matches for kind" create after a few retries; an object whose
 * webhook is not serving yet is rejected outright. Polls `kubectl get` rather than `kubectl wait` or
 * `kubectl rollout status`, which fail at once while the object does not exist yet.
 */
export function waitAddonsScript(
  host: Host,
  crds: readonly string[],
  seconds: number,
  deployments: readonly AddonDeployment[] = [],
): string {
  const list = crds.map(shQuote).join(" ");
  return `${prelude("wait-addons", host)}
[ -x ${K3S_BIN} ] || fail "k3s is not installed at ${K3S_BIN}. Fix: run the install step first"
start=$SECONDS
while :; do
  missing=()
  for crd in ${list}; do
    status=$(${K3S_BIN} kubectl get "crd/$crd" -o 'jsonpath={.status.conditions[?(@.type=="Established")].status}' 2>/dev/null || true)
    [ "$status" = True ] || missing+=("$crd\${status:+ (Established: $status)}")
  done
  [ \${#missing[@]} -eq 0 ] && break
  if [ $(( SECONDS - start )) -ge ${seconds} ]; then
    printf -v names '%s, ' "\${missing[@]}"
    fail "after ${seconds} s these CRDs of the cluster add-ons are still missing or not Established: \${names%, }. Nothing in the cluster was changed by this step. Fix: look at the add-on Helm charts and their install jobs with 'k3s kubectl -n kube-system get helmcharts,pods' on ${host.address} (and 'k3s kubectl -n kube-system logs job/helm-install-<chart>' for a failed one), then run the deployment again"
  fi
  sleep 2
done
for crd in ${list}; do echo "skipper: ok crd $crd established"; done
echo "skipper: ok add-on CRDs ready after $(( SECONDS - start )) s"
${deployments.map((d) => waitDeployment(host, d, seconds)).join("")}`;
}

/**
 * Shell that waits, until `start` + `seconds`, for Deployment `d` to report Available=True. A NotFound (the chart has
 * not created it yet) is a state to wait through; any other kubectl error is kept for the failure message.
 */
function waitDeployment(host: Host, d: AddonDeployment, seconds: number): string {
  const where = `-n ${shQuote(d.namespace)}`;
  const what = `Deployment ${d.namespace}/${d.name}`;
  return `while :; do
  if out=$(${K3S_BIN} kubectl ${where} get deployment ${shQuote(d.name)} -o 'jsonpath={.status.conditions[?(@.type=="Available")].status}' 2>&1); then
    [ "$out" = True ] && break
    state="Available: \${out:-not reported yet}"
  else
    case "$out" in *NotFound*) state="not created yet" ;; *) state=\${out##*$'\\n'} ;; esac
  fi
  if [ $(( SECONDS - start )) -ge ${seconds} ]; then
    fail "after ${seconds} s the ${d.label} (${what}) is not Available ($state); ${d.why}. Nothing in the cluster was changed by this step. Fix: look at its pods and events with 'k3s kubectl -n ${d.namespace} get pods' and 'k3s kubectl -n ${d.namespace} get events --sort-by=.lastTimestamp' on ${host.address} (and 'k3s kubectl -n ${d.namespace} describe deployment ${d.name}'), then run the deployment again"
  fi
  sleep 2
done
echo "skipper: ok ${d.label} available after $(( SECONDS - start )) s"
`;
}

/** The ServiceAccount whose token the stack's kubeconfig carries (see `readKubeconfigScript`). */
export const STACK_SERVICE_ACCOUNT = { namespace: "kube-system", name: "skipper-admin", secret: "skipper-admin-token" };

/** The line after the kubeconfig that carries the ServiceAccount token (base64, as the Secret holds it). */
export const TOKEN_LINE_PREFIX = "# skipper-service-account-token: ";

/**
 * Print the kubeconfig k3s wrote, then the token of a long-lived credential of the stack's own (a ServiceAccount
 * bound to cluster-admin, with a token Secret, created once and kept): k3s's client certificate is valid for a year
 * and renewed only on a restart close to expiry, while the stack keeps the kubeconfig it read on its first `up`,
 * so the stack uses the token, which does not expire (delete the Secret to revoke it; the next `up` with this
 * step replaced creates a new one). stdout is the kubeconfig and the token only (the caller marks it secret).
 */
export function readKubeconfigScript(host: Host): string {
  const sa = STACK_SERVICE_ACCOUNT;
  return `${prelude("read-kubeconfig", host)}
[ -s ${K3S_KUBECONFIG} ] || fail "${K3S_KUBECONFIG} does not exist yet. Fix: check that k3s started ('journalctl -u k3s -n 200'), then run again"
${K3S_BIN} kubectl apply -f - >/dev/null <<'SKIPPER_SA' || fail "could not create the stack's ServiceAccount ${sa.namespace}/${sa.name}. Fix: check the API server with 'k3s kubectl get --raw=/readyz' on ${host.address}, then run again"
apiVersion: v1
kind: ServiceAccount
metadata:
  name: ${sa.name}
  namespace: ${sa.namespace}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: ${sa.name}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
- kind: ServiceAccount
  name: ${sa.name}
  namespace: ${sa.namespace}
---
apiVersion: v1
kind: Secret
metadata:
  name: ${sa.secret}
  namespace: ${sa.namespace}
  annotations:
    kubernetes.io/service-account.name: ${sa.name}
type: kubernetes.io/service-account-token
SKIPPER_SA
start=$SECONDS
token=""
while [ -z "$token" ]; do
  token=$(${K3S_BIN} kubectl -n ${sa.namespace} get secret ${sa.secret} -o 'jsonpath={.data.token}' 2>/dev/null || true)
  [ -n "$token" ] && break
  [ $(( SECONDS - start )) -ge 60 ] && fail "after 60 s the token of ${sa.namespace}/${sa.secret} is still empty. Fix: check the controller manager with 'k3s kubectl -n ${sa.namespace} describe secret ${sa.secret}' on ${host.address}, then run again"
  sleep 1
done
cat ${K3S_KUBECONFIG}
printf '${TOKEN_LINE_PREFIX}%s\\n' "$token"
`;
}
