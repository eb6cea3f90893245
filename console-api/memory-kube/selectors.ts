/**
 * TEST DOUBLE (part of the in-memory Kubernetes API, see index.ts): label and field selectors as the API server
 * parses them (`a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, comma-separated, all must hold).
 */

type Labels = Readonly<Record<string, string>> | undefined;
export type Matcher = (labels: Labels) => boolean;

export class SelectorError extends Error {}

function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "," && depth === 0) {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms.map((t) => t.trim()).filter((t) => t !== "");
}

function termMatcher(term: string): Matcher {
  const set = /^([^\s!=()]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
  if (set) {
    const [, key, op, list] = set as unknown as [string, string, string, string];
    const values = new Set(list.split(",").map((v) => v.trim()));
    return op === "in"
      ? (l) => l?.[key] !== undefined && values.has(l[key])
      : (l) => l?.[key] === undefined || !values.has(l[key]);
  }
  const cmp = /^([^\s!=()]+)\s*(==|=|!=)\s*([^\s!=()]*)$/.exec(term);
  if (cmp) {
    const [, key, op, value] = cmp as unknown as [string, string, string, string];
    return op === "!=" ? (l) => l?.[key] !== value : (l) => l?.[key] === value;
  }
  const exists = /^(!?)([^\s!=()]+)$/.exec(term);
  if (exists) {
    const [, not, key] = exists as unknown as [string, string, string];
    return not === "!" ? (l) => l?.[key] === undefined : (l) => l?.[key] !== undefined;
  }
  throw new SelectorError(`unable to parse requirement: ${JSON.stringify(term)}`);
}

/** A matcher for a label selector string; an empty or absent selector matches everything. */
export function parseLabelSelector(selector: string | null | undefined): Matcher {
  if (selector === null || selector === undefined || selector.trim() === "") return () => true;
  const matchers = splitTerms(selector).map(termMatcher);
  return (labels) => matchers.every((m) => m(labels));
}

/** Field selectors: only `=`, `==` and `!=` on dotted paths (`metadata.name`, `involvedObject.name`, `status.phase`). */
export function parseFieldSelector(selector: string | null | undefined): (object: unknown) => boolean {
  if (selector === null || selector === undefined || selector.trim() === "") return () => true;
  const terms = splitTerms(selector).map((term) => {
    const m = /^([\w.]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m) throw new SelectorError(`invalid field selector: ${JSON.stringify(term)}`);
    const [, path, op, value] = m as unknown as [string, string, string, string];
    return { path: path.split("."), negate: op === "!=", value };
  });
  return (object) =>
    terms.every(({ path, negate, value }) => {
      let at: unknown = object;
      for (const p of path) at = at !== null && typeof at === "object" ? (at as Record<string, unknown>)[p] : undefined;
      const actual = at === undefined || at === null ? "" : String(at);
      return (actual === value) !== negate;
    });
}
