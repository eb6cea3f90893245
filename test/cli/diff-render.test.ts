/**
 * The comparison and the pull-request comment of `kip diff`, on sides built here: field paths (named list items,
 * secrets), the size bound with a 300-app stack, and values from a pull request that try to break out of the
 * comment's Markdown.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { compareSides } from "../../cli/diff/compare.ts";
import { diffFields, secretLocation } from "../../cli/diff/fields.ts";
import { code, fenced, GITHUB_COMMENT_LIMIT, size } from "../../cli/diff/markdown.ts";
import { renderMarkdown } from "../../cli/diff/render-markdown.ts";
import { summaryLine } from "../../cli/diff/render-text.ts";
import type { SideResult } from "../../cli/diff/side.ts";

function app(name: string, replicas: number, image: string): SideResult["objects"] {
  const meta = { name, namespace: "main", labels: { "app.kubernetes.io/name": name } };
  const container = { name, image, env: [{ name: "NODE_ENV", value: "production" }], ports: [{ containerPort: 80 }] };
  return [
    {
      file: `k8s/app-${name}/deployment-main-${name}.yaml`,
      component: `app-${name}`,
      object: {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: meta,
        spec: { replicas, template: { spec: { containers: [container] } } },
      },
    },
    {
      file: `k8s/app-${name}/service-main-${name}.yaml`,
      component: `app-${name}`,
      object: { apiVersion: "v1", kind: "Service", metadata: meta, spec: { ports: [{ port: 80 }] } },
    },
  ];
}

function side(apps: number, replicas: number, version: string): SideResult {
  const objects = Array.from({ length: apps }, (_, i) =>
    app(`app${i}`, replicas, `ghcr.io/acme/app${i}:${version}`),
  ).flat();
  const script = Array.from({ length: 400 }, (_, i) => `echo step ${i} ${i % 7 === 0 ? version : ""}`).join("\n");
  return {
    objects,
    scripts: new Map([["hosts/h1/03-install.sh", `${script}\n`]]),
    outputs: {
      apps: Object.fromEntries(
        Array.from({ length: apps }, (_, i) => [`app${i}`, [`https://app${i}-${version}.example`]]),
      ),
    },
    resources: [],
    secrets: new Map(),
  };
}

describe("kip diff comparison", () => {
  it("matches list items by name, so an insertion is one addition", () => {
    const a = {
      env: [
        { name: "A", value: "1" },
        { name: "B", value: "2" },
      ],
    };
    const b = {
      env: [
        { name: "A", value: "1" },
        { name: "NEW", value: "x" },
        { name: "B", value: "3" },
      ],
    };
    assert.deepEqual(diffFields(a, b), [
      { path: "env[B].value", old: "2", new: "3" },
      { path: "env[NEW]", new: { name: "NEW", value: "x" } },
    ]);
  });

  it("compares secrets only through their fingerprints and shows none", () => {
    const a = { stringData: { K: "<secret>", L: "<secret>" } };
    const printsA = new Map([
      [secretLocation("s", ["stringData", "K"]), "p1"],
      [secretLocation("s", ["stringData", "L"]), "p2"],
    ]);
    const printsB = new Map([
      [secretLocation("s", ["stringData", "K"]), "p1"],
      [secretLocation("s", ["stringData", "L"]), "p3"],
    ]);
    assert.deepEqual(diffFields(a, a, { scope: "s", prints: printsA }, { scope: "s", prints: printsB }), [
      { path: "stringData.L", old: "<secret>", new: "<secret>", secretChanged: true },
    ]);
    assert.deepEqual(diffFields(a, a, { scope: "s", prints: printsA }, { scope: "s", prints: printsA }), []);
  });

  it("reports a changed binaryData value by size and hash, never its bytes", () => {
    const archive = (fill: number) => Buffer.alloc(3000, fill).toString("base64");
    const cm = (data: Record<string, string>) => ({ kind: "ConfigMap", binaryData: data, data: { note: "x" } });
    const changes = diffFields(cm({ part: archive(1) }), cm({ part: archive(2), "extra.bin": archive(3) }));
    assert.deepEqual(
      changes.map((c) => c.path),
      ['binaryData["extra.bin"]', "binaryData.part"],
    );
    const [added, changed] = changes;
    assert.equal(Object.hasOwn(added!, "old"), false, "an added entry has no old value");
    assert.match(String(added!.new), /^<3000 bytes, sha256 [0-9a-f]{16}…>$/);
    assert.match(String(changed!.old), /^<3000 bytes, sha256 [0-9a-f]{16}…>$/);
    assert.notEqual(changed!.old, changed!.new, "different content, different hash");
    assert.ok(!JSON.stringify(changes).includes(archive(2).slice(0, 40)), "no base64 in the report");
    // Elsewhere, strings are shown as they are.
    assert.deepEqual(diffFields(cm({}), { ...cm({}), data: { note: "y" } }), [
      { path: "data.note", old: "x", new: "y" },
    ]);
  });

  it("finds no difference between a side and itself (random objects)", () => {
    const seed = Number(process.env["SEED"] ?? Date.now() % 100000);
    console.log(`seed ${seed}`);
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (x, y) => {
        assert.deepEqual(diffFields(x, x), []);
        // Two different values always give at least one change.
        if (JSON.stringify(x) !== JSON.stringify(y)) assert.ok(diffFields(x, y).length > 0);
      }),
      { seed, numRuns: 300 },
    );
  });
});

describe("kip diff --markdown", () => {
  it("stays under GitHub's limit for a 300-app stack and says what it cut", () => {
    const d = compareSides({
      stackFile: "skipper.ts",
      ref: "main",
      commit: "a".repeat(40),
      base: side(300, 2, "1.0"),
      head: side(300, 3, "1.1"),
    });
    assert.equal(d.counts.objects.changed, 300);
    assert.equal(
      summaryLine(d),
      "300 Kubernetes objects changed; 1 host step changed (1 will run again); 300 stack outputs changed.",
    );
    const md = renderMarkdown(d);
    if (process.env["KIP_SHOW"]) console.log(md.slice(-2000));
    assert.ok(size(md) <= 64_000 && size(md) < GITHUB_COMMENT_LIMIT, `${size(md)} bytes`);
    assert.ok(md.includes("| Kubernetes objects | 0 | 300 | 0 |"), "the summary table is always there");
    const note = /Cut to stay under GitHub's 65,536-character comment limit: (.*) not shown\./.exec(md);
    assert.ok(note, "a note says what was cut");
    const cutOf = (title: string): number =>
      Number(new RegExp(`(\\d+) of \\d+ in “${title.replace(/[()]/g, "\\$&")}”`).exec(note[1] ?? "")?.[1] ?? 0);
    const rows = (prefix: string): number => md.split("\n").filter((l) => l.startsWith(prefix)).length;
    assert.equal(rows("| ✏️ | `Deployment") + cutOf("Kubernetes objects (300)"), 300, "objects shown + cut = all");
    assert.equal(rows("| `apps.app") + cutOf("Stack outputs (300)"), 300, "outputs shown + cut = all");
    assert.ok(cutOf("Kubernetes objects (300)") + cutOf("Stack outputs (300)") > 0);
    assert.ok(md.includes("```diff\n--- a/hosts/h1/03-install.sh"), "the host step is not crowded out by the outputs");
    assert.equal(md.match(/<details>/g)?.length, md.match(/<\/details>/g)?.length);
    const small = renderMarkdown(d, 5000);
    assert.ok(size(small) <= 5000, `${size(small)} bytes`);
  });

  it("keeps hostile values inside code spans and fences", () => {
    const nasty = "x` </details><img src=x onerror=alert(1)> | @octocat ``` ";
    const span = code(nasty);
    const fence = /^(`+)/.exec(span)?.[1] ?? "";
    assert.ok(fence.length > 3, "the fence is longer than the value's longest backtick run");
    assert.ok(span.endsWith(fence) && !span.slice(fence.length, -fence.length).includes(fence));
    assert.ok(!span.includes(" | "), "a pipe cannot end a table cell");
    const block = fenced("```\n</details>\n");
    assert.ok(block.startsWith("````\n") && block.endsWith("\n````"));
    const base = side(1, 1, "1");
    const head = side(1, 1, "1");
    (head.objects[0] as unknown as { object: { spec: { replicas: unknown } } }).object.spec.replicas = nasty;
    const md = renderMarkdown(compareSides({ stackFile: "s.ts", ref: "main", commit: "b".repeat(40), base, head }));
    const lines = md.split("\n");
    assert.equal(
      lines.filter((l) => l.startsWith("</details>")).length,
      lines.filter((l) => l.startsWith("<details>")).length,
      "no value closes a section (HTML blocks start a line; a code span never does)",
    );
    assert.ok(md.includes(code(`1 → ${JSON.stringify(nasty)}`)), "the value is shown in a code span");
  });
});
