/**
 * Shell building blocks shared by every host script: quoting, the common prelude (strict mode, how a script reports
 * what it changed, how it fails), and the wrapper that runs a script as root directly or through `sudo -n`.
 *
 * Report lines (stdout), one per managed thing, so tests and people can count what a run changed:
 *   `skipper: changed <what>`   something on the host was created or modified
 *   `skipper: unchanged <what>` it was already as wanted
 *   `skipper: ok <check>`       a check passed (preflight, readiness)
 * Failures go to stderr as `skipper: error: <step> on <host>: <problem>. Fix: <what to do>` with exit status 1.
 */
import type { Host } from "../model.ts";

/** Quote `value` as one word for a POSIX shell. */
export function shQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** A human label for a host in messages: `node-name (address)`. */
export function hostLabel(host: Host): string {
  return host.nodeName === host.address ? host.address : `${host.nodeName} (${host.address})`;
}

/**
 * The bash functions every script starts with. `put_file PATH MODE WHAT` writes stdin to PATH atomically (temporary
 * file in the same folder, then rename) and only when the content or mode differs, then reports it.
 */
export function prelude(step: string, host: Host): string {
  return `set -euo pipefail
umask 022
SKIPPER_WHERE=${shQuote(`${step} on ${hostLabel(host)}`)}
fail() { echo "skipper: error: $SKIPPER_WHERE: $*" >&2; exit 1; }
changed() { echo "skipper: changed $*"; SKIPPER_CHANGED=1; }
unchanged() { echo "skipper: unchanged $*"; }
SKIPPER_CHANGED=0
put_file() {
  local path=$1 mode=$2 what=$3 tmp
  mkdir -p "$(dirname "$path")"
  tmp=$(mktemp "$path.skipper.XXXXXX")
  cat >"$tmp"
  chmod "$mode" "$tmp"
  if [ -f "$path" ] && cmp -s "$tmp" "$path" && [ "$(stat -c %a "$path")" = "$(stat -c %a "$tmp")" ]; then
    rm -f "$tmp"
    unchanged "$what"
  else
    mv -f "$tmp" "$path"
    changed "$what"
  fi
}
`;
}

/** Where the quoted script sits in the wrapper; never appears in a real command (not a valid shell word). */
const SCRIPT_SLOT = "\u0000skipper-script\u0000";

function wrapper(where: string, host: Host): string {
  const fix =
    `connect as root (set hosts[${host.index}].user to "root") or give ${host.user} passwordless sudo, e.g. ` +
    `echo "${host.user} ALL=(ALL) NOPASSWD:ALL" > /etc/sudoers.d/skipper`;
  return `# skipper: ${where}
skipper_script=${SCRIPT_SLOT}
if [ "$(id -u)" = 0 ]; then exec bash -c "$skipper_script"; fi
if sudo -n true 2>/dev/null; then exec sudo -n bash -c "$skipper_script"; fi
echo ${shQuote(`skipper: error: ${where}: user ${host.user} is not root and cannot run sudo without a password. Fix: ${fix}`)} >&2
exit 1
`;
}

/**
 * The command string handed to `remote.Command`: runs `script` with bash as root, either because the SSH user is root
 * or through `sudo -n` (no password prompt is possible without a terminal). stdin passes through to the script.
 */
export function privileged(script: string, step: string, host: Host): string {
  return wrapper(`${step} on ${hostLabel(host)}`, host).replace(SCRIPT_SLOT, () => shQuote(script));
}

/** A `privileged` command taken apart: what it says it runs (`where`), the script, and the wrapper around it. */
export interface UnwrappedCommand {
  /** `<step> on <host>`. */
  readonly where: string;
  /** The script that runs as root, as it was given to `privileged`. */
  readonly script: string;
  /** The command with `skipper_script=<quoted script>` replaced by `skipper_script=$(cat "$1")`. */
  readonly wrapper: string;
}

const WRAPPED = /^# skipper: (?<where>[^\n]*)\nskipper_script=(?<quoted>'(?:[^']|'\\'')*')\n/;

/**
 * The inverse of `privileged`, for showing a reviewer the script itself (`kip synth`). Undefined for a command that
 * `privileged` did not make.
 */
export function unwrapPrivileged(command: string): UnwrappedCommand | undefined {
  const m = WRAPPED.exec(command);
  if (!m?.groups) return undefined;
  const where = m.groups["where"]!;
  const quoted = m.groups["quoted"]!;
  const script = quoted.slice(1, -1).replaceAll(`'\\''`, "'");
  const rest = command.slice(m[0].length);
  // Only a command whose wrapper is exactly ours, around exactly this script, is taken apart.
  if (`# skipper: ${where}\nskipper_script=${shQuote(script)}\n${rest}` !== command) return undefined;
  if (!/^if \[ "\$\(id -u\)" = 0 \]; then exec bash -c "\$skipper_script"; fi\n/.test(rest)) return undefined;
  return { where, script, wrapper: `# skipper: ${where}\nskipper_script=$(cat "$1")\n${rest}` };
}
