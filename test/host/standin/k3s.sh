#!/bin/bash
# TEST DOUBLE: stand-in for the k3s binary, version @VERSION@. Served by the lab's mirror as
# `<artifactUrl>/<version>/k3s` with a matching sha256sum-amd64.txt. With install.sh beside it, the ONLY test double
# of the host tests. It answers what Skipper's scripts and the stand-in installer ask of k3s:
#   k3s --version                        "k3s version @VERSION@ (…)"
#   k3s server|agent [flags] --stand-in-start
#                                        what k3s does on start: reads /etc/rancher/k3s/config.yaml, turns the token
#                                        file into /var/lib/rancher/k3s/server/token (K10<ca hash>::server:<token>),
#                                        writes /etc/rancher/k3s/k3s.yaml (server https://127.0.0.1:6443, made-up
#                                        certificates kept across restarts), or for an agent records the server it joins
#                                        and, for a server, keeps port 6443 open with a process named k3s-server,
#                                        as the real server does (so a re-run's preflight meets its own k3s)
#   k3s kubectl get node NAME -o jsonpath={…Ready…}   "True" once started (after /etc/skipper-standin/ready-after
#                                        seconds, default 1; "never" keeps it NotReady)
#   k3s kubectl get nodes                a table like kubectl's
#   k3s kubectl get crd NAME | crd/NAME [-o jsonpath={…Established…}]
#   k3s kubectl wait --for condition=established --timeout=Ns crd/NAME…
#                                        the add-ons' CRDs as k3s's Helm controller registers them: Traefik's (unless
#                                        started with --disable=traefik) and, when a manifest in the auto-deploy folder
#                                        is a HelmChart of chart cert-manager, cert-manager's. They exist
#                                        /etc/skipper-standin/crds-after seconds (default 2; "never": never) after the
#                                        first start and are Established one second later. Missing ones get kubectl's
#                                        NotFound error and exit status 1, `wait` on a missing one fails at once (as
#                                        kubectl does), and a `wait` that runs out prints kubectl's timeout error.
#   k3s kubectl -n cert-manager get deployment cert-manager-webhook [-o jsonpath={…Available…|.status.availableReplicas}]
#                                        cert-manager's webhook: created /etc/skipper-standin/webhook-after seconds
#                                        after cert-manager's CRDs appear (default 1; kubectl's NotFound error and exit
#                                        status 1 before that) and Available one second later; "never": created with
#                                        the CRDs but never Available, as when its pod never gets ready; "N polls":
#                                        counted in queries rather than seconds (NotFound for the first N queries of
#                                        it once the CRDs exist, not Available for the next one, then Available), so a
#                                        test can check that a wait waited however slow the machine is. Any other
#                                        Deployment is NotFound.
set -euo pipefail
VERSION='@VERSION@'
CONFIG=/etc/rancher/k3s/config.yaml
STATE=/var/lib/rancher/k3s/stand-in
conf() { [ -f "$CONFIG" ] && awk -v k="$1:" '$1 == k {sub(/^[^:]*:[ ]*/, ""); gsub(/"/, ""); print; exit}' "$CONFIG" || true; }

start() {
  local role=$1
  shift
  mkdir -p "$STATE"
  local token_file node
  token_file=$(conf token-file)
  node=$(conf node-name)
  node=${node:-$(hostname)}
  [ -n "$token_file" ] && [ -s "$token_file" ] || { echo "stand-in k3s: no token (token-file missing or empty)" >&2; exit 1; }
  if [ "$role" = agent ] || [ -n "$(conf server)" ]; then
    [ -n "$(conf server)${K3S_URL:-}" ] || { echo "stand-in k3s: agent without a server URL" >&2; exit 1; }
    echo "$(conf server)" >"$STATE/joined"
  fi
  if [ "$role" = server ]; then
    local tls=/var/lib/rancher/k3s/server/tls
    mkdir -p "$tls" /etc/rancher/k3s
    for f in server-ca client-admin; do
      [ -s "$tls/$f.crt" ] || { echo "-----BEGIN CERTIFICATE-----"; head -c 300 /dev/urandom | base64 -w 64; echo "-----END CERTIFICATE-----"; } >"$tls/$f.crt"
    done
    [ -s "$tls/client-admin.key" ] || { echo "-----BEGIN EC PRIVATE KEY-----"; head -c 120 /dev/urandom | base64 -w 64; echo "-----END EC PRIVATE KEY-----"; } >"$tls/client-admin.key"
    chmod 0600 "$tls"/*.key
    local hash password
    hash=$(sha256sum "$tls/server-ca.crt" | awk '{print $1}')
    password=$(head -n1 "$token_file")
    umask 077
    printf 'K10%s::server:%s\n' "$hash" "$password" >/var/lib/rancher/k3s/server/token
    ln -sf token /var/lib/rancher/k3s/server/node-token
    cat >/etc/rancher/k3s/k3s.yaml <<KUBECONFIG
apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: $(base64 -w0 "$tls/server-ca.crt")
    server: https://127.0.0.1:6443
  name: default
contexts:
- context:
    cluster: default
    user: default
  name: default
current-context: default
kind: Config
preferences: {}
users:
- name: default
  user:
    client-certificate-data: $(base64 -w0 "$tls/client-admin.crt")
    client-key-data: $(base64 -w0 "$tls/client-admin.key")
KUBECONFIG
    chmod "$(conf write-kubeconfig-mode || echo 0600)" /etc/rancher/k3s/k3s.yaml 2>/dev/null || chmod 0600 /etc/rancher/k3s/k3s.yaml
  fi
  [ "$role" = server ] && listen
  echo "$role" >"$STATE/role"
  echo "$node" >"$STATE/node"
  echo "$VERSION" >"$STATE/version"
  date +%s >"$STATE/started"
  [ -f "$STATE/first-started" ] || cp "$STATE/started" "$STATE/first-started"
  echo "$*" >"$STATE/args"
  echo "$(date +%s) start role=$role version=$VERSION node=$node" >>/var/log/skipper-standin/k3s.log
}

# Hold 6443 like the real API server, under the process name ss shows for it (k3s-server), replacing an earlier one.
listen() {
  local pidfile=$STATE/listener.pid
  if [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null; then
    for _ in $(seq 50); do kill -0 "$(cat "$pidfile")" 2>/dev/null || break; sleep 0.1; done
  fi
  cp -f /usr/bin/perl "$STATE/k3s-server"
  # shellcheck disable=SC2016
  setsid "$STATE/k3s-server" -MIO::Socket::INET -e \
    '$s = IO::Socket::INET->new(LocalPort => 6443, Listen => 16, ReuseAddr => 1) or die "6443: $!"; while ($c = $s->accept) { close $c }' \
    </dev/null >/dev/null 2>&1 &
  echo $! >"$pidfile"
}

ready() {
  [ -f "$STATE/started" ] || return 1
  local after
  after=$(cat /etc/skipper-standin/ready-after 2>/dev/null || echo 1)
  [ "$after" != never ] || return 1
  [ $(( $(date +%s) - $(cat "$STATE/started") )) -ge "$after" ]
}

# The CRDs the add-ons register, one a line (see the header).
addon_crds() {
  case " $(cat "$STATE/args" 2>/dev/null) " in
    *" --disable=traefik "* | *" --disable=traefik,"* | *",traefik "* | *",traefik,"*) ;;
    *) printf '%s\n' ingressroutes.traefik.io middlewares.traefik.io middlewaretcps.traefik.io tlsoptions.traefik.io \
      serverstransports.traefik.io traefikservices.traefik.io ;;
  esac
  if grep -qsE '^ *chart: *"?cert-manager"?$' /var/lib/rancher/k3s/server/manifests/*.yaml; then
    printf '%s\n' certificaterequests.cert-manager.io certificates.cert-manager.io challenges.acme.cert-manager.io \
      clusterissuers.cert-manager.io issuers.cert-manager.io orders.acme.cert-manager.io
  fi
}

# Seconds since the CRD appeared; fails when it does not exist (yet).
crd_age() {
  local after first known
  after=$(cat /etc/skipper-standin/crds-after 2>/dev/null || echo 2)
  [ "$after" != never ] && [ -f "$STATE/first-started" ] || return 1
  known=$(addon_crds)
  grep -qxF "$1" <<<"$known" || return 1
  first=$(cat "$STATE/first-started")
  [ $(( $(date +%s) - first )) -ge "$after" ] || return 1
  echo $(( $(date +%s) - first - after ))
}

crd_established() {
  local age
  age=$(crd_age "$1") && [ "$age" -ge 1 ]
}

crd_not_found() {
  echo "Error from server (NotFound): customresourcedefinitions.apiextensions.k8s.io \"$1\" not found" >&2
  exit 1
}

crd_name() {
  case "$1" in
    crd/* | customresourcedefinition/* | customresourcedefinitions/* | customresourcedefinition.apiextensions.k8s.io/*) echo "${1#*/}" ;;
    *) return 1 ;;
  esac
}

kubectl_crd() {
  local verb=$1 name out="" timeout=30 cond="" args=()
  shift
  while [ $# -gt 0 ]; do
    case "$1" in
      -o) out=$2; shift 2 ;;
      -o*) out=${1#-o}; out=${out#=}; shift ;;
      --for) cond=$2; shift 2 ;;
      --for=*) cond=${1#--for=}; shift ;;
      --timeout=*) timeout=${1#--timeout=}; timeout=${timeout%s}; shift ;;
      crd | crds | customresourcedefinition | customresourcedefinitions) shift ;;
      *) args+=("$1"); shift ;;
    esac
  done
  [ ${#args[@]} -gt 0 ] || { echo "error: resource name required" >&2; exit 1; }
  for name in "${args[@]}"; do
    name=$(crd_name "$name" || echo "$name")
    crd_age "$name" >/dev/null || crd_not_found "$name"
    if [ "$verb" = get ]; then
      case "$out" in
        "") printf 'NAME CREATED AT\n%s 2026-01-01T00:00:00Z\n' "$name" ;;
        *Established*) if crd_established "$name"; then echo -n True; else echo -n False; fi ;;
        *) echo "stand-in k3s: kubectl get -o $out is not supported" >&2; exit 1 ;;
      esac
    else
      [ "${cond,,}" = condition=established ] || { echo "stand-in k3s: kubectl wait --for $cond is not supported" >&2; exit 1; }
      local start=$SECONDS
      until crd_established "$name"; do
        if [ $(( SECONDS - start )) -ge "$timeout" ]; then
          echo "error: timed out waiting for the condition on customresourcedefinitions/$name" >&2
          exit 1
        fi
        sleep 0.2
      done
      echo "customresourcedefinition.apiextensions.k8s.io/$name condition met"
    fi
  done
}

# State of cert-manager's webhook Deployment (see the header): "missing", "unavailable" or "available".
webhook_state() {
  local age after
  age=$(crd_age certificates.cert-manager.io) || { echo missing; return; }
  after=$(cat /etc/skipper-standin/webhook-after 2>/dev/null || echo 1)
  if [[ "$after" =~ ^([0-9]+)\ polls$ ]]; then
    local n=${BASH_REMATCH[1]} seen
    seen=$(( $(cat "$STATE/webhook-queries" 2>/dev/null || echo 0) + 1 ))
    echo "$seen" >"$STATE/webhook-queries"
    if [ "$seen" -le "$n" ]; then echo missing
    elif [ "$seen" -eq $(( n + 1 )) ]; then echo unavailable
    else echo available; fi
  elif [ "$after" = never ]; then echo unavailable
  elif [ "$age" -lt "$after" ]; then echo missing
  elif [ "$age" -lt $(( after + 1 )) ]; then echo unavailable
  else echo available; fi
}

kubectl_deployment() {
  local ns=$1 out="" name="" state
  shift
  while [ $# -gt 0 ]; do
    case "$1" in
      -o) out=$2; shift 2 ;;
      -o*) out=${1#-o}; out=${out#=}; shift ;;
      deployment | deployments | deploy | deployment.apps) shift ;;
      deployment/* | deployments/* | deploy/* | deployment.apps/*) name=${1#*/}; shift ;;
      *) name=$1; shift ;;
    esac
  done
  [ -n "$name" ] || { echo "stand-in k3s: kubectl get deployment needs a name here" >&2; exit 1; }
  state=$(webhook_state)
  if [ "$ns/$name" != cert-manager/cert-manager-webhook ] || [ "$state" = missing ]; then
    echo "Error from server (NotFound): deployments.apps \"$name\" not found" >&2
    exit 1
  fi
  case "$out" in
    "") printf 'NAME READY UP-TO-DATE AVAILABLE AGE\n%s %s 1 %s 1m\n' "$name" \
      "$([ "$state" = available ] && echo 1/1 || echo 0/1)" "$([ "$state" = available ] && echo 1 || echo 0)" ;;
    *Available*) if [ "$state" = available ]; then echo -n True; else echo -n False; fi ;;
    *availableReplicas*) [ "$state" = available ] && echo -n 1 ;;
    *) echo "stand-in k3s: kubectl get deployment -o $out is not supported" >&2; exit 1 ;;
  esac
  return 0
}

# `kubectl apply -f -`: keep each document (split on ---) by kind, namespace and name.
kubectl_apply() {
  [ "${1:-}" = -f ] && [ "${2:-}" = - ] || { echo "stand-in k3s: kubectl apply supports only -f -" >&2; exit 1; }
  local dir=$STATE/applied doc kind name ns
  mkdir -p "$dir"
  awk -v dir="$dir" 'BEGIN { n = 0 } /^---$/ { n++; next } { print > (dir "/doc-" n) }'
  for doc in "$dir"/doc-*; do
    kind=$(awk '/^kind:/ {print $2; exit}' "$doc")
    # metadata.name and metadata.namespace only (a binding's subjects have their own)
    name=$(awk '/^metadata:/ {m = 1; next} /^[^ ]/ {m = 0} m && /^  name:/ {print $2; exit}' "$doc")
    ns=$(awk '/^metadata:/ {m = 1; next} /^[^ ]/ {m = 0} m && /^  namespace:/ {print $2; exit}' "$doc")
    mv "$doc" "$dir/$kind.${ns:-cluster}.$name"
    if [ "$kind" = Secret ] && grep -q '^type: kubernetes.io/service-account-token' "$dir/$kind.${ns:-cluster}.$name"; then
      [ -s "$STATE/sa-token.$ns.$name" ] || { date +%s; head -c 48 /dev/urandom | base64 -w0 | tr '+/' '-_'; echo; } >"$STATE/sa-token.$ns.$name"
    fi
    echo "${kind,,}/$name configured"
  done
}

kubectl_secret_token() {
  local ns=$1 name=$2 file=$STATE/sa-token.$1.$2 after
  [ -s "$file" ] || { echo "Error from server (NotFound): secrets \"$name\" not found" >&2; exit 1; }
  after=$(cat /etc/skipper-standin/sa-token-after 2>/dev/null || echo 0)
  [ $(( $(date +%s) - $(head -n1 "$file") )) -ge "$after" ] || return 0
  sed -n 2p "$file" | tr -d '\n' | base64 -w0
}

kubectl() {
  # Every query, one line each, so tests can count a wait's polls instead of timing it.
  mkdir -p /var/log/skipper-standin && echo "kubectl $*" >>/var/log/skipper-standin/kubectl.log
  [ "$(cat "$STATE/role" 2>/dev/null)" = server ] || { echo "The connection to the server localhost:8080 was refused" >&2; exit 1; }
  local ns=default
  case "${1:-}" in
    -n | --namespace) ns=$2; shift 2 ;;
    --namespace=*) ns=${1#--namespace=}; shift ;;
  esac
  if [ "${1:-}" = apply ]; then
    shift
    kubectl_apply "$@"
    return 0
  fi
  if [ "${1:-}" = get ] && [ "${2:-}" = secret ] && [ "${4:-}" = -o ] && [ "${5:-}" = 'jsonpath={.data.token}' ]; then
    kubectl_secret_token "$ns" "$3"
    return 0
  fi
  if [ "${1:-}" = get ] && [[ "${2:-}" =~ ^(deployments?|deploy|deployment\.apps)(/.*)?$ ]]; then
    shift
    kubectl_deployment "$ns" "$@"
    return 0
  fi
  if [ "${1:-}" = get ] && { [ "${2:-}" = node ] || [ "${2:-}" = nodes ]; }; then
    local node
    node=$(cat "$STATE/node")
    if [ -n "${3:-}" ] && [ "${3#-}" = "$3" ]; then
      [ "$3" = "$node" ] || { echo "Error from server (NotFound): nodes \"$3\" not found" >&2; exit 1; }
      shift 3
    else
      shift 2
    fi
    if [ "${1:-}" = -o ]; then
      if ready; then echo -n True; else echo -n False; fi
    else
      printf 'NAME STATUS ROLES AGE VERSION\n%s %s control-plane 1m %s\n' "$node" "$(ready && echo Ready || echo NotReady)" "$VERSION"
    fi
    return 0
  fi
  if [ "${1:-}" = wait ] || { [ "${1:-}" = get ] && { crd_name "${2:-}" >/dev/null || [[ "${2:-}" =~ ^(crd|crds|customresourcedefinitions?)$ ]]; }; }; then
    kubectl_crd "$@"
    return 0
  fi
  echo "stand-in k3s: kubectl $* is not supported" >&2
  exit 1
}

case "${1:-}" in
  --version | -v | version) echo "k3s version $VERSION (5tand1n0)"; echo "go version go1.22.9 (stand-in)" ;;
  server | agent)
    role=$1
    shift
    case " $* " in *" --stand-in-start "*) start "$role" "$@" ;; *) echo "stand-in k3s: runs only as '$role ... --stand-in-start'" >&2; exit 1 ;; esac ;;
  kubectl) shift; kubectl "$@" ;;
  *) echo "stand-in k3s: unsupported command: $*" >&2; exit 1 ;;
esac
