/**
 * Terminal output shared by kip's day-2 commands: colours only when the stream is a terminal that shows them and
 * `NO_COLOR` is not set (https://no-color.org), and progress lines on stderr that a pipe or `--json` never sees mixed
 * into its data.
 */

export interface Style {
  readonly bold: (s: string) => string;
  readonly dim: (s: string) => string;
  readonly red: (s: string) => string;
  readonly green: (s: string) => string;
  readonly yellow: (s: string) => string;
  readonly cyan: (s: string) => string;
}

const plain = (s: string): string => s;

export const NO_STYLE: Style = { bold: plain, dim: plain, red: plain, green: plain, yellow: plain, cyan: plain };

const wrap =
  (open: number, close: number) =>
  (s: string): string =>
    `\u001b[${open}m${s}\u001b[${close}m`;

const COLOURS: Style = {
  bold: wrap(1, 22),
  dim: wrap(2, 22),
  red: wrap(31, 39),
  green: wrap(32, 39),
  yellow: wrap(33, 39),
  cyan: wrap(36, 39),
};

/** Whether to colour `stream`: a TTY with colours, `NO_COLOR` unset or empty, `TERM` not `dumb`. */
export function wantsColour(
  stream: { isTTY?: boolean; hasColors?: () => boolean },
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  if (env["NO_COLOR"]) return false;
  if (!stream.isTTY || env["TERM"] === "dumb") return false;
  return stream.hasColors ? stream.hasColors() : true;
}

export function styleFor(
  stream: { isTTY?: boolean; hasColors?: () => boolean },
  env: NodeJS.ProcessEnv = process.env,
): Style {
  return wantsColour(stream, env) ? COLOURS : NO_STYLE;
}

/** A progress reporter for `command` on stderr (`kip diff: evaluating …`), silent when `quiet`. */
export function progressOn(command: string, quiet = false): (line: string) => void {
  if (quiet) return () => {};
  const style = styleFor(process.stderr);
  return (line) => process.stderr.write(`${style.dim(`${command}: ${line}`)}\n`);
}
