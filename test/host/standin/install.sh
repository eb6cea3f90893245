#!/bin/sh
# TEST DOUBLE: stand-in for the k3s installer (https://get.k3s.io). This and the stand-in `k3s` binary beside it are
# the ONLY test doubles of the host tests; everything else (Debian, OpenSSH, bash, the Skipper scripts) is real.
# The tests have no internet, so the real installer and k3s cannot be fetched; this file is served by the lab's
# mirror (test/host/mirror.ts) at the URL the stack's `k3s.installScriptUrl` points to.
#
# It honours the installer settings Skipper's install step uses, the way the real installer does:
#   INSTALL_K3S_SKIP_DOWNLOAD=true   use the k3s binary already in INSTALL_K3S_BIN_DIR (mirror mode; required here)
#   INSTALL_K3S_VERSION              the version that binary must report
#   INSTALL_K3S_EXEC                 "server [flags]" or "agent" (default: agent when K3S_URL is set, else server)
#   K3S_URL, K3S_TOKEN, K3S_TOKEN_FILE  join settings; an agent without a token is refused like the real installer
#   INSTALL_K3S_BIN_DIR              default /usr/local/bin
# It writes the systemd unit and its env file (K3S_* variables only, as the real one does), the kubectl/crictl/ctr
# links and an uninstall script, then "starts the service": there is no systemd as PID 1 in the test host, so it runs
# `k3s <server|agent> --stand-in-start` once, which writes what k3s writes on its first start.
set -eu
fatal() { echo "[stand-in installer] ERROR: $*" >&2; exit 1; }
info() { echo "[stand-in installer] $*"; }
BIN_DIR=${INSTALL_K3S_BIN_DIR:-/usr/local/bin}
[ "${INSTALL_K3S_SKIP_DOWNLOAD:-}" = true ] || fatal "downloading k3s is not possible in the test lab; set INSTALL_K3S_SKIP_DOWNLOAD=true (mirror mode)"
[ -x "$BIN_DIR/k3s" ] || fatal "INSTALL_K3S_SKIP_DOWNLOAD=true but $BIN_DIR/k3s is missing"
have=$("$BIN_DIR/k3s" --version | awk 'NR==1 {print $3}')
if [ -n "${INSTALL_K3S_VERSION:-}" ] && [ "$have" != "$INSTALL_K3S_VERSION" ]; then
  fatal "$BIN_DIR/k3s is $have, not INSTALL_K3S_VERSION=$INSTALL_K3S_VERSION"
fi
set -- ${INSTALL_K3S_EXEC:-}
case "${1:-}" in
  server|agent) cmd=$1; shift ;;
  *) if [ -n "${K3S_URL:-}" ]; then cmd=agent; else cmd=server; fi ;;
esac
if [ -n "${K3S_URL:-}" ] && [ "$cmd" = agent ] && [ -z "${K3S_TOKEN:-}" ] && [ -z "${K3S_TOKEN_FILE:-}" ]; then
  fatal "K3S_URL is set for an agent but neither K3S_TOKEN nor K3S_TOKEN_FILE is"
fi
service=k3s
[ "$cmd" = agent ] && service=k3s-agent
for link in kubectl crictl ctr; do ln -sf k3s "$BIN_DIR/$link"; done
mkdir -p /etc/systemd/system /var/log/skipper-standin
env | grep -E '^K3S_' | sort >"/etc/systemd/system/$service.service.env" || true
chmod 0600 "/etc/systemd/system/$service.service.env"
cat >"/etc/systemd/system/$service.service" <<UNIT
[Unit]
Description=Lightweight Kubernetes (stand-in)
[Service]
EnvironmentFile=-/etc/systemd/system/$service.service.env
ExecStart=$BIN_DIR/k3s $cmd $*
UNIT
printf '#!/bin/sh\nrm -rf /etc/rancher/k3s /var/lib/rancher/k3s %s/k3s /etc/systemd/system/%s.service*\n' "$BIN_DIR" "$service" >"$BIN_DIR/k3s-uninstall.sh"
chmod 0755 "$BIN_DIR/k3s-uninstall.sh"
echo "$(date +%s) installer version=$have exec=$cmd args=$* url=${K3S_URL:-} token_file=${K3S_TOKEN_FILE:-}" >>/var/log/skipper-standin/installer.log
info "installed k3s $have as $service; starting it"
"$BIN_DIR/k3s" "$cmd" "$@" --stand-in-start
