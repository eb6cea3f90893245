#!/bin/sh
# TEST DOUBLE: stand-in for the k3s installer (https://get.k3s.io). This and the stand-in `k3s` binary beside it are
# the ONLY test doubles of the host tests; everything else (Debian, OpenSSH, bash, the Skipper scripts) is real.
# The tests have no internet, so the real installer and k3s cannot be fetched; this file is served by the lab's
# mirror (test/host/mirror.ts) at the URL the stack's `k3s.installScriptUrl` points to.
#
# It follows the real installer (install.sh of github.com/k3s-io/k3s, read at commit 0136cf25) for every setting
# Skipper's install step uses or unsets, accepting nothing the real one refuses:
#   - needs systemctl (or openrc); INSTALL_K3S_EXEC + arguments: first word is the command unless it starts with
#     "-"; a defaulted command is "agent" when K3S_URL is set, and then K3S_TOKEN or K3S_TOKEN_FILE is required;
#     K3S_URL must be empty or https://
#   - INSTALL_K3S_BIN_DIR, else /usr/local/bin when writable, else /opt/bin when it exists
#   - INSTALL_K3S_SKIP_DOWNLOAD=true|binary: only requires an executable $BIN_DIR/k3s (INSTALL_K3S_VERSION is not
#     checked); anything else would download, which the lab cannot do, so it fails
#   - service k3s (server) / k3s-<command>, or k3s-$INSTALL_K3S_NAME; INSTALL_K3S_SYSTEMD_DIR
#   - kubectl/crictl/ctr links only where none exists (INSTALL_K3S_SYMLINK=skip|force), k3s-killall.sh,
#     <service>-uninstall.sh, the unit and its env file (0600: exported K3S_*/CONTAINERD_* and proxy variables, in
#     the quoted form `sh -c export` prints)
#   - INSTALL_K3S_SKIP_ENABLE, INSTALL_K3S_SKIP_START; restart only when the hashes of binary, unit and env file
#     changed, or INSTALL_K3S_FORCE_RESTART=true
# "Enabling" links the unit into multi-user.target.wants. There is no systemd as PID 1 in the test host, so
# "restarting the service" runs `k3s <command> <args> --stand-in-start` once, which writes what k3s writes on start.
set -e
set -o noglob
fatal() { echo "[stand-in installer] ERROR: $*" >&2; exit 1; }
info() { echo "[stand-in installer] $*"; }

if [ -x /sbin/openrc-run ] || [ -x /bin/systemctl ] || command -v systemctl >/dev/null 2>&1; then :; else
  fatal "Can not find systemd or openrc to use as a process supervisor for k3s"
fi

# The command line: INSTALL_K3S_EXEC words, then the script's own arguments.
# shellcheck disable=SC2086
set -- ${INSTALL_K3S_EXEC:-} "$@"
case "${1:-}" in
  -* | "")
    if [ -z "${K3S_URL:-}" ]; then cmd=server; else
      [ -n "${K3S_TOKEN:-}" ] || [ -n "${K3S_TOKEN_FILE:-}" ] ||
        fatal "Defaulted k3s exec command to 'agent' because K3S_URL is defined, but K3S_TOKEN or K3S_TOKEN_FILE is not defined."
      cmd=agent
    fi ;;
  *) cmd=$1; shift ;;
esac
case "${K3S_URL:-}" in "" | https://*) ;; *) fatal "Only https:// URLs are supported for K3S_URL (have ${K3S_URL})" ;; esac

if [ -n "${INSTALL_K3S_NAME:-}" ]; then name=k3s-$INSTALL_K3S_NAME
elif [ "$cmd" = server ]; then name=k3s
else name=k3s-$cmd; fi
if [ -n "${INSTALL_K3S_BIN_DIR:-}" ]; then BIN_DIR=$INSTALL_K3S_BIN_DIR; else
  BIN_DIR=/usr/local/bin
  if ! { touch "$BIN_DIR/k3s-ro-test" && rm -f "$BIN_DIR/k3s-ro-test"; } 2>/dev/null; then
    [ -d /opt/bin ] && BIN_DIR=/opt/bin
  fi
fi
SYSTEMD_DIR=${INSTALL_K3S_SYSTEMD_DIR:-/etc/systemd/system}
unit=$SYSTEMD_DIR/$name.service
envfile=$unit.env
hashes() { sha256sum "$BIN_DIR/k3s" "$unit" "$envfile" 2>&1 || true; }
before=$(hashes)

case "${INSTALL_K3S_SKIP_DOWNLOAD:-}" in
  true | binary)
    info "Skipping k3s download and verify"
    [ -x "$BIN_DIR/k3s" ] || fatal "Executable k3s binary not found at $BIN_DIR/k3s" ;;
  *) fatal "downloading k3s is not possible in the test lab; set INSTALL_K3S_SKIP_DOWNLOAD=true (mirror mode)" ;;
esac

if [ "${INSTALL_K3S_SYMLINK:-}" != skip ]; then
  for link in kubectl crictl ctr; do
    if [ "${INSTALL_K3S_SYMLINK:-}" = force ] || { [ ! -e "$BIN_DIR/$link" ] && ! command -v "$link" >/dev/null 2>&1; }; then
      ln -sf k3s "$BIN_DIR/$link"
    fi
  done
fi
printf '#!/bin/sh\necho "stand-in k3s-killall"\n' >"$BIN_DIR/k3s-killall.sh"
printf '#!/bin/sh\n%s/k3s-killall.sh\nrm -rf /etc/rancher/k3s /var/lib/rancher/k3s %s/k3s %s %s\n' \
  "$BIN_DIR" "$BIN_DIR" "$unit" "$envfile" >"$BIN_DIR/$name-uninstall.sh"
chmod 0755 "$BIN_DIR/k3s-killall.sh" "$BIN_DIR/$name-uninstall.sh"

mkdir -p "$SYSTEMD_DIR" /var/log/skipper-standin
rm -f "$unit" "$envfile"
touch "$envfile"
chmod 0600 "$envfile"
{
  sh -c export | while read -r _ v; do echo "$v"; done | grep -E '^(K3S|CONTAINERD)_' || true
  sh -c export | while read -r _ v; do echo "$v"; done | grep -Ei '^(NO|HTTP|HTTPS)_PROXY' || true
} >"$envfile"
cat >"$unit" <<UNIT
[Unit]
Description=Lightweight Kubernetes (stand-in)
[Service]
EnvironmentFile=-$envfile
ExecStart=$BIN_DIR/k3s $cmd $*
UNIT
echo "$(date +%s) installer exec=$cmd args=$* url=${K3S_URL:-} token_file=${K3S_TOKEN_FILE:-}" >>/var/log/skipper-standin/installer.log

[ "${INSTALL_K3S_SKIP_ENABLE:-}" = true ] && exit 0
mkdir -p "$SYSTEMD_DIR/multi-user.target.wants"
ln -sf "$unit" "$SYSTEMD_DIR/multi-user.target.wants/$name.service"
[ "${INSTALL_K3S_SKIP_START:-}" = true ] && exit 0
if [ "$before" = "$(hashes)" ] && [ "${INSTALL_K3S_FORCE_RESTART:-}" != true ]; then
  info "No change detected so skipping service start"
  exit 0
fi
info "starting $name ($("$BIN_DIR/k3s" --version | awk 'NR==1 {print $3}'))"
"$BIN_DIR/k3s" "$cmd" "$@" --stand-in-start
