/**
 * Markdown building blocks for pull-request comments (`kip diff --markdown`, `kip preview --markdown`): values in
 * code spans and fences that no content can break out of (whatever a pull request puts in an image name or a
 * script, it cannot close the span, open HTML or mention anyone), and a size-bounded assembler that keeps a comment
 * under GitHub's limit and says what it left out.
 */

/** GitHub refuses comment bodies over 65,536 characters. */
export const GITHUB_COMMENT_LIMIT = 65_536;
/** The default size of one rendered comment: under the limit with room to spare (pulumi/actions uses 64,000). */
export const DEFAULT_COMMENT_BUDGET = 64_000;

/** Size as GitHub could count it at worst: UTF-8 bytes (never fewer than characters). */
export function size(s: string): number {
  return Buffer.byteLength(s, "utf8");
}

function longestRun(s: string, ch: string): number {
  let best = 0;
  let run = 0;
  for (const c of s) {
    run = c === ch ? run + 1 : 0;
    if (run > best) best = run;
  }
  return best;
}

/** `s` as an inline code span on one line, safe inside a table cell. */
export function code(s: string): string {
  const flat = s.replace(/\r?\n/g, "⏎").replace(/\|/g, "\\|");
  const fence = "`".repeat(longestRun(flat, "`") + 1);
  const pad = flat.startsWith("`") || flat.endsWith("`") || flat === "" ? " " : "";
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** A fenced code block (`lang` e.g. `diff`) whose fence is longer than any backtick run inside. */
export function fenced(body: string, lang = ""): string {
  const fence = "`".repeat(Math.max(3, longestRun(body, "`") + 1));
  return `${fence}${lang}\n${body.endsWith("\n") ? body : `${body}\n`}${fence}`;
}

/** Plain text with the characters Markdown or HTML would act on escaped. */
export function text(s: string): string {
  return s.replace(/[\\`*_[\]<>&|#@!~]/g, (c) => `&#${c.charCodeAt(0)};`).replace(/\r?\n/g, " ");
}

/** A collapsible section of units (table rows or blocks); `head` comes before the first unit, `tail` after the last. */
export interface Section {
  readonly title: string;
  readonly head?: string;
  readonly units: readonly string[];
  readonly tail?: string;
  /** What one unit is, for the note about cut units ("object", "host step"). */
  readonly unit: string;
}

export interface Assembled {
  readonly body: string;
  /** Units left out per section title. */
  readonly cut: ReadonlyMap<string, number>;
}

/** Size of a section when all its units are shown. */
function fullSize(s: Section): number {
  return sectionOverhead(s) + s.units.reduce((n, u) => n + size(u) + 1, 0);
}

function sectionOverhead(s: Section): number {
  return size(`\n<details><summary>${s.title}</summary>\n\n${s.head ?? ""}${s.tail ?? ""}\n</details>\n`);
}

/**
 * Each section's share of `room`: sections that fit in an equal share keep all they need, and what they leave is
 * shared among the larger ones, so one long section (a big script diff, hundreds of outputs) cannot crowd out the rest.
 */
function shares(sections: readonly Section[], room: number): Map<Section, number> {
  const out = new Map<Section, number>();
  const bySize = [...sections].sort((a, b) => fullSize(a) - fullSize(b));
  let left = Math.max(0, room);
  bySize.forEach((s, i) => {
    const share = Math.min(fullSize(s), Math.floor(left / (bySize.length - i)));
    out.set(s, share);
    left -= share;
  });
  return out;
}

/**
 * `top` (always kept), then each section collapsed in `<details>` with as many units as fit in its share of
 * `budget`, then a note of what was cut and how to see all of it (`more`).
 */
export function assemble(top: string, sections: readonly Section[], budget: number, more: string): Assembled {
  const NOTE_ROOM = 600;
  const present = sections.filter((s) => s.units.length > 0);
  const share = shares(present, budget - size(top) - NOTE_ROOM);
  const parts: string[] = [top];
  const cut = new Map<string, number>();
  for (const s of present) {
    const room = (share.get(s) ?? 0) - sectionOverhead(s);
    let body = "";
    let used = 0;
    let kept = 0;
    for (const u of s.units) {
      const extra = size(u) + 1;
      if (used + extra > room) break;
      body += `${u}\n`;
      used += extra;
      kept++;
    }
    if (kept > 0)
      parts.push(`\n<details><summary>${s.title}</summary>\n\n${s.head ?? ""}${body}${s.tail ?? ""}\n</details>\n`);
    if (kept < s.units.length) cut.set(s.title, s.units.length - kept);
  }
  if (cut.size > 0) {
    const what = [...cut]
      .map(([title, n]) => `${n} of ${present.find((s) => s.title === title)?.units.length} in “${title}”`)
      .join(", ");
    parts.push(
      `\n> [!NOTE]\n> Cut to stay under GitHub's ${GITHUB_COMMENT_LIMIT.toLocaleString("en-US")}-character comment ` +
        `limit: ${what} not shown. ${more}\n`,
    );
  }
  return { body: parts.join(""), cut };
}
