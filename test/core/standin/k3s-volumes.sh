#!/bin/bash
# TEST DOUBLE: stand-in for `k3s kubectl`, for the release-data step's delete script (core/k3s/release-data.ts). It
# keeps a cluster's StatefulSets, pods, claims and volumes as files under $STANDIN_STATE and answers exactly the
# queries that script makes, refusing anything else (so a new kind of call fails the test instead of passing
# silently). Every call is appended to $STANDIN_STATE/kubectl.log.
#
# State (one file per object, written by the test):
#   sts/<ns>_<name>        content: whenDeleted policy (Delete, Retain)
#   pods/<ns>_<name>       content: its app.kubernetes.io/instance label
#   pvc/<ns>_<name>        content: its app.kubernetes.io/instance label
#   pv/<name>              content: <claim namespace> <claim name> <reclaim policy> ("- -" for no claimRef)
#   pv/<name>.after        polls of `get pv` after its claim is deleted before it goes (default 2; "never": stays)
#   pod-polls              polls of `get pods` after its StatefulSet is deleted before a pod goes (default 2)
#   down                   when present, every call fails as kubectl does when the API server does not answer
# Labels: every object here also carries app.kubernetes.io/managed-by=skipper; a selector must name both labels.
set -euo pipefail
S=${STANDIN_STATE:?STANDIN_STATE is not set}
echo "$*" >>"$S/kubectl.log"
die() { echo "stand-in kubectl: $*" >&2; exit 1; }
if [ -e "$S/down" ]; then
  echo "The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?" >&2
  exit 1
fi

[ "${1:-}" = kubectl ] || die "only 'k3s kubectl' is supported, not: $*"
shift
ns=""
if [ "${1:-}" = -n ]; then ns=$2; shift 2; fi
verb=${1:-}
kind=${2:-}
shift 2 || die "no verb or kind"

names=() selector="" output="" ignore=0 nowait=0
while [ $# -gt 0 ]; do
  case "$1" in
    -l) selector=$2; shift 2 ;;
    -o) output=$2; shift 2 ;;
    --ignore-not-found) ignore=1; shift ;;
    --wait=false) nowait=1; shift ;;
    -*) die "unsupported flag $1" ;;
    *) names+=("$1"); shift ;;
  esac
done

# The instance a selector asks for; refuses a selector without both selector labels.
instance_of() {
  local sel=$1 inst=""
  case ",$sel," in *",app.kubernetes.io/managed-by=skipper,"*) ;; *) die "selector '$sel' lacks managed-by=skipper" ;; esac
  inst=$(tr ',' '\n' <<<"$sel" | sed -n 's|^app.kubernetes.io/instance=||p')
  [ -n "$inst" ] && [ "$(tr ',' '\n' <<<"$sel" | wc -l)" = 2 ] || die "unsupported selector '$sel'"
  echo "$inst"
}

# Count one poll of the pods of deleted StatefulSets (and of volumes whose claims are deleted); remove what is due.
tick() {
  local dir=$1 f due n
  for f in "$S/$dir"/*.gone-in; do
    [ -e "$f" ] || continue
    due=$(cat "$f")
    [ "$due" = never ] && continue
    n=$(( due - 1 ))
    if [ "$n" -le 0 ]; then rm -f "${f%.gone-in}" "$f"; else echo "$n" >"$f"; fi
  done
}

case "$verb $kind" in
  "get statefulset")
    [ -n "$ns" ] && [ ${#names[@]} = 1 ] && [ "$ignore" = 1 ] || die "get statefulset: want -n NS NAME --ignore-not-found"
    [ "$output" = 'jsonpath={.metadata.name}={.spec.persistentVolumeClaimRetentionPolicy.whenDeleted}' ] || die "get statefulset -o $output"
    f="$S/sts/${ns}_${names[0]}"
    [ -f "$f" ] && printf '%s=%s' "${names[0]}" "$(cat "$f")"
    exit 0 ;;
  "delete statefulset")
    [ -n "$ns" ] && [ ${#names[@]} = 1 ] && [ "$ignore" = 1 ] && [ "$nowait" = 1 ] || die "delete statefulset: want -n NS NAME --ignore-not-found --wait=false"
    f="$S/sts/${ns}_${names[0]}"
    [ -f "$f" ] || exit 0
    rm -f "$f"
    for p in "$S/pods/${ns}_"*; do
      [ -f "$p" ] && [[ ${p##*/} != *.* ]] && [ "$(cat "$p")" = "${names[0]}" ] || continue
      cat "$S/pod-polls" 2>/dev/null >"$p.gone-in" || echo 2 >"$p.gone-in"
    done
    echo "statefulset.apps \"${names[0]}\" deleted"
    exit 0 ;;
  "get pods")
    [ -n "$ns" ] && [ ${#names[@]} = 0 ] || die "get pods: want -n NS -l SELECTOR"
    [ "$output" = 'jsonpath={range .items[*]}{.metadata.name}{"\n"}{end}' ] || die "get pods -o $output"
    inst=$(instance_of "$selector")
    tick pods
    for p in "$S/pods/${ns}_"*; do
      [ -f "$p" ] && [[ ${p##*/} != *.* ]] && [ "$(cat "$p")" = "$inst" ] && echo "${p##*/"${ns}"_}"
    done
    exit 0 ;;
  "get pvc")
    [ -n "$ns" ] && [ ${#names[@]} = 0 ] || die "get pvc: want -n NS -l SELECTOR"
    [ "$output" = 'jsonpath={range .items[*]}{.metadata.name}{"\n"}{end}' ] || die "get pvc -o $output"
    inst=$(instance_of "$selector")
    for c in "$S/pvc/${ns}_"*; do
      [ -f "$c" ] && [ "$(cat "$c")" = "$inst" ] && echo "${c##*/"${ns}"_}"
    done
    exit 0 ;;
  "delete pvc")
    [ -n "$ns" ] && [ ${#names[@]} -gt 0 ] && [ "$ignore" = 1 ] && [ "$nowait" = 1 ] || die "delete pvc: want -n NS NAME... --ignore-not-found --wait=false"
    for c in "${names[@]}"; do
      [ -f "$S/pvc/${ns}_$c" ] || continue
      rm -f "$S/pvc/${ns}_$c"
      echo "persistentvolumeclaim \"$c\" deleted"
      for v in "$S/pv/"*; do
        [ -f "$v" ] && [[ ${v##*/} != *.* ]] || continue
        read -r v_ns v_claim _ <"$v" || true
        [ "$v_ns/$v_claim" = "$ns/$c" ] || continue
        cat "$v.after" 2>/dev/null >"$v.gone-in" || echo 2 >"$v.gone-in"
      done
    done
    exit 0 ;;
  "get pv")
    [ -z "$ns" ] || die "get pv is cluster-scoped: no -n"
    tick pv
    if [ ${#names[@]} = 0 ]; then
      [ "$output" = 'jsonpath={range .items[*]}{.metadata.name}{"|"}{.spec.claimRef.namespace}{"|"}{.spec.claimRef.name}{"|"}{.spec.persistentVolumeReclaimPolicy}{"\n"}{end}' ] || die "get pv -o $output"
      for v in "$S/pv/"*; do
        [ -f "$v" ] && [[ ${v##*/} != *.* ]] || continue
        read -r v_ns v_claim policy <"$v" || true
        [ "$v_ns" = - ] && v_ns="" && v_claim=""
        printf '%s|%s|%s|%s\n' "${v##*/}" "$v_ns" "$v_claim" "$policy"
      done
    else
      [ "$output" = name ] && [ "$ignore" = 1 ] || die "get pv NAME...: want --ignore-not-found -o name"
      for v in "${names[@]}"; do [ -f "$S/pv/$v" ] && echo "persistentvolume/$v"; done
    fi
    exit 0 ;;
  *) die "unsupported: $verb $kind" ;;
esac
