/**
 * The host scripts of a gateway registration (DESIGN.md §6). Registration runs ON the cluster's first server, so the
 * request leaves from the host's own address and the gateway can check that an IP-derived id belongs to the caller.
 *
 * - `registerScript`: first run POSTs `/v1/clusters` and stores the token in a root-only directory; later runs find
 *   the token and PUT the current address instead (safe to run again; the token is never printed or put on a command
 *   line: curl reads the header from a file).
 *
 * Behind a load balancer the request leaves from the host's own address, not the cluster's public one, so the
 * registration carries `proofKey` and the gateway challenges the public address instead (core/gateway-proof.ts; the
 * cluster answers with the responder of core/render/gateway-proof.ts). The script then first waits, within
 * `waitSeconds`, until the proof path answers 200 at the public address with the cluster's host name.
 * - `readTokenScript`: prints the token, for a separate command whose stdout is a secret and is not logged.
 * - `releaseScript`: DELETE on destroy; keeps the token when the gateway could not be reached, so nothing is lost.
 */

import { PROOF_KEY_RULE, proofKeyProblem, proofPath } from "../gateway-proof.ts";
import { isUnknownAddress } from "../k3s/addresses.ts";
import { prelude, privileged, shQuote } from "../k3s/shell.ts";
import type { Host } from "../model.ts";
import { type ClusterRef, clusterHost, clusterId, isIPv4 } from "../naming.ts";

/** Root-only directory on the host that keeps one subdirectory per gateway. */
export const REGISTRATION_STATE_DIR = "/var/lib/skipper/gateway";

export interface RegistrationInput {
  readonly baseDomain: string;
  /**
   * The public IPv4 address the gateway proxies to (the host's own, or a load balancer's). May be `UNKNOWN_ADDRESS`
   * when `name` is set, to check the rest before the machine exists.
   */
  readonly ip: string;
  /** Port of the cluster's HTTP entry (Traefik). @default 80 */
  readonly port?: number;
  /** A chosen cluster name instead of the IP-derived id. @default undefined (id = dashed IP) */
  readonly name?: string;
  /** How long to wait for the gateway to answer before registering (its certificate may be in issuance). @default 300 */
  readonly waitSeconds?: number;
  /**
   * Scheme, host and port the gateway's API is reached at. @default `https://<baseDomain>` (set it for a gateway on a
   * private network or another port; requests always carry `Host: <baseDomain>`, the only host the API answers on)
   */
  readonly origin?: string;
  /** Directory on the host that keeps the token, root-only. @default REGISTRATION_STATE_DIR */
  readonly stateDir?: string;
  /**
   * Prove the address by challenge instead of by the request's source (a cluster behind a load balancer): the raw
   * Ed25519 public key (base64url) of the key the cluster's proof responder signs with. @default undefined
   */
  readonly proofKey?: string;
}

export interface RegistrationConfig {
  readonly baseDomain: string;
  readonly ip: string;
  readonly port: number;
  readonly name?: string;
  readonly ref: ClusterRef;
  readonly clusterId: string;
  /** `https://<base>` unless set otherwise. */
  readonly origin: string;
  /** `<origin>/v1/clusters` */
  readonly api: string;
  /** The cluster's own host name, `<id>.<base>`. */
  readonly clusterHost: string;
  /** Root-only directory holding one subdirectory per gateway. */
  readonly stateRoot: string;
  /** Directory of this registration's files on the host. */
  readonly stateDir: string;
  readonly waitSeconds: number;
  /** Set when the address is proven by challenge (see `RegistrationInput.proofKey`). */
  readonly proofKey?: string;
}

export function registrationConfig(input: RegistrationInput): RegistrationConfig {
  // A named cluster's id does not depend on its address, so everything else can be checked before the address exists.
  const later = input.name !== undefined && isUnknownAddress(input.ip);
  if (!isIPv4(input.ip) && !later) {
    throw new Error(
      `gateway registration: ip must be a dotted IPv4 address such as 203.0.113.10 (got ${JSON.stringify(input.ip)})`,
    );
  }
  const port = input.port ?? 80;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`gateway registration: port must be between 1 and 65535 (got ${port})`);
  }
  const ref: ClusterRef = input.name ? { kind: "name", name: input.name } : { kind: "ip", ip: input.ip };
  const host = clusterHost(ref, input.baseDomain); // validates the base domain and the name
  const baseDomain = host.slice(host.indexOf(".") + 1);
  const origin = (input.origin ?? `https://${baseDomain}`).replace(/\/+$/, "");
  if (!/^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/i.test(origin)) {
    throw new Error(
      `gateway registration: origin must look like https://host[:port] (got ${JSON.stringify(input.origin)})`,
    );
  }
  if (input.proofKey !== undefined && proofKeyProblem(input.proofKey) !== undefined) {
    throw new Error(`gateway registration: proofKey ${PROOF_KEY_RULE}`);
  }
  const stateRoot = input.stateDir ?? REGISTRATION_STATE_DIR;
  return {
    baseDomain,
    ip: input.ip,
    port,
    ...(input.name ? { name: input.name } : {}),
    ref,
    clusterId: clusterId(ref),
    origin,
    api: `${origin}/v1/clusters`,
    clusterHost: host,
    stateRoot,
    stateDir: `${stateRoot}/${baseDomain}`,
    waitSeconds: input.waitSeconds ?? 300,
    ...(input.proofKey === undefined ? {} : { proofKey: input.proofKey }),
  };
}

/** The JSON body of a registration or a move. */
export function registrationBody(cfg: RegistrationConfig): string {
  return JSON.stringify({
    ip: cfg.ip,
    port: cfg.port,
    ...(cfg.name ? { name: cfg.name } : {}),
    ...(cfg.proofKey ? { proofKey: cfg.proofKey } : {}),
  });
}

/** Where the gateway challenges the cluster: `http://<ip>:<port>/.well-known/skipper-gateway/<id>`. */
export function proofUrl(cfg: RegistrationConfig): string {
  return `http://${cfg.ip}:${cfg.port}${proofPath(cfg.clusterId)}`;
}

/**
 * With a proofKey: wait (bounded) until the proof path answers 200 at the public address with the cluster's host name,
 * as the gateway will ask it, so the registration is not refused while the load balancer or Traefik catch up.
 */
function proofWait(cfg: RegistrationConfig): string {
  if (!cfg.proofKey) return "";
  return `
# The gateway will challenge the cluster's public address (core/gateway-proof.ts): wait until it answers there.
proof_url=${shQuote(proofUrl(cfg))}
cluster_host=${shQuote(cfg.clusterHost)}
start=$SECONDS
while :; do
  nonce=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\\n')
  code=$(curl -sS --max-time 5 -o /dev/null -w '%{http_code}' -H "Host: $cluster_host" "$proof_url?nonce=$nonce" 2>/dev/null || true)
  [ "$code" = 200 ] && break
  if [ $(( SECONDS - start )) -ge ${cfg.waitSeconds} ]; then
    fail "the address proof at $proof_url (Host: $cluster_host) did not answer 200 within ${cfg.waitSeconds} s (last: \${code:-no answer}; 000 is no connection). Fix: check that the load balancer at ${cfg.ip} forwards port ${cfg.port} to the servers and its health checks pass, and that Traefik routes that path to the gateway-proof pod ('kubectl -n skipper-registration get pods,ingress'), then run again"
  fi
  echo "skipper: waiting for the address proof at $proof_url (HTTP \${code:-none}, $(( SECONDS - start )) s of ${cfg.waitSeconds} s)"
  sleep 2
done
echo "skipper: ok address proof answers at $proof_url after $(( SECONDS - start )) s"
`;
}

function variables(cfg: RegistrationConfig): string {
  return `origin=${shQuote(cfg.origin)}
api=${shQuote(cfg.api)}
id=${shQuote(cfg.clusterId)}
base=${shQuote(cfg.baseDomain)}
dir=${shQuote(cfg.stateDir)}
`;
}

const STEP = "gateway registration";

/** Register, or bring an existing registration up to date. Prints the id, never the token. */
export function registerScript(cfg: RegistrationConfig, host: Host): string {
  const script = `${prelude(STEP, host)}${variables(cfg)}body=${shQuote(registrationBody(cfg))}
umask 077
command -v curl >/dev/null || fail "curl is not installed. Fix: install it (apt-get install -y curl) and run again"
mkdir -p "$dir" && chmod 700 ${shQuote(cfg.stateRoot)} "$dir"
resp=$(mktemp "$dir/response.XXXXXX")
trap 'rm -f "$resp" "$dir"/*.tmp' EXIT

# The gateway may still be starting or waiting for its certificate: wait for it, within a bound.
deadline=$(( $(date +%s) + ${cfg.waitSeconds} ))
until curl -fsS --max-time 5 -o /dev/null -H "Host: $base" "$origin/healthz" 2>/dev/null; do
  [ "$(date +%s)" -lt "$deadline" ] || fail "the gateway at $origin did not answer /healthz within ${cfg.waitSeconds}s. Fix: check that $base resolves to the gateway and its certificate is issued, then run again"
  sleep 5
done
${proofWait(cfg)}
call() { # METHOD URL [curl args...]: prints the HTTP status; the body goes to $resp
  local method=$1 url=$2; shift 2
  curl -sS --max-time 30 -o "$resp" -w '%{http_code}' -X "$method" -H "Host: $base" -H 'content-type: application/json' "$@" "$url"
}
json_field() { sed -n "s/.*\\"$1\\"[[:space:]]*:[[:space:]]*\\"\\([^\\"]*\\)\\".*/\\1/p" "$resp" | head -n 1; }

if [ -s "$dir/authorization" ]; then
  status=$(call PUT "$api/$id" -H @"$dir/authorization" --data "$body") || fail "cannot reach $api"
  case "$status" in
    2??) unchanged "registration of cluster $id at $base (address confirmed)"; exit 0 ;;
    404) echo "skipper: the gateway no longer knows cluster $id (expired or released); registering again" ;;
    *) fail "the gateway refused the update of cluster $id (HTTP $status: $(head -c 300 "$resp")). Fix: if the token in $dir is stale, release the id on the gateway, remove $dir and run again" ;;
  esac
fi

status=$(call POST "$api" --data "$body") || fail "cannot reach $api"
if [ "$status" != 201 ]; then
  fail "the gateway refused to register cluster $id (HTTP $status: $(head -c 300 "$resp")). Fix: ${
    cfg.proofKey
      ? "the gateway challenged $proof_url: check what it answers there to the gateway (load balancer, Traefik, the gateway-proof pod's logs); a name must be free and not reserved"
      : "a name must be free and not reserved; an IP-derived id is granted only to requests from that IP (is this host behind NAT?)"
  }; if this host registered before and lost $dir, wait for the old registration to expire or choose a name"
fi
token=$(json_field token)
got=$(json_field id)
[ -n "$token" ] || fail "the gateway's answer holds no token. Fix: check that $origin is a Skipper gateway"
[ "$got" = "$id" ] || fail "the gateway assigned id '$got', expected '$id'"
printf '%s' "$token" >"$dir/token.tmp" && mv -f "$dir/token.tmp" "$dir/token"
printf 'Authorization: Bearer %s\\n' "$token" >"$dir/authorization.tmp" && mv -f "$dir/authorization.tmp" "$dir/authorization"
changed "registration of cluster $id at $base"
`;
  return privileged(script, STEP, host);
}

/** Print the stored token (for a command with secret, unlogged stdout). */
export function readTokenScript(cfg: RegistrationConfig, host: Host): string {
  const script = `${prelude(`${STEP} token read`, host)}${variables(cfg)}[ -s "$dir/token" ] || fail "no token in $dir. Fix: run the registration step again (pulumi up)"
cat "$dir/token"
`;
  return privileged(script, `${STEP} token read`, host);
}

/** Release the registration; keep the files unless the gateway confirmed (or no longer knows the id). */
export function releaseScript(cfg: RegistrationConfig, host: Host): string {
  const script = `${prelude(`${STEP} release`, host)}${variables(cfg)}if [ ! -s "$dir/authorization" ]; then unchanged "no registration of cluster $id at $base to release"; exit 0; fi
status=$(curl -sS --max-time 30 -o /dev/null -w '%{http_code}' -X DELETE -H "Host: $base" -H @"$dir/authorization" "$api/$id" || true)
case "$status" in
  2??|404) rm -rf "$dir"; changed "released cluster $id at $base" ;;
  *) echo "skipper: warning: the gateway did not release cluster $id (HTTP $status); the token stays in $dir so a later run can retry" >&2 ;;
esac
`;
  return privileged(script, `${STEP} release`, host);
}
