/**
 * `kip app|service add|remove|list` edit the stack file by syntax tree: everything outside the edited entry stays
 * byte for byte, add-then-remove gives the original file back, hostile values stay data, and whatever the validator
 * would refuse (or a file kip cannot read) is refused with nothing written.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import fc from "fast-check";
import { parseAllDocuments } from "yaml";
import { addEntry, removeEntry, StackFile } from "../../cli/codegen/stack-edit.ts";
import type { K8sObject } from "../../core/k8s.ts";
import { validateObjects } from "../support/k8s-validate.ts";
import { REPO, readTree, runKip, tempDir } from "./synth-support.ts";

const tmp = tempDir("kip-app-");
after(tmp.cleanup);

/** A hand-written stack: comments everywhere, odd spacing, no trailing comma after the last app, a quoted key. */
const ODD = `// my stack — hand written
import { bareMetal, defineStack } from ${JSON.stringify(join(REPO, "index.ts"))};

/* the apps */
export default defineStack({
    cluster: {
        provider: bareMetal({hosts: [ { address: "198.51.100.7" } ]}),   // one box
        k3s: { version: "v1.31.4+k3s1" }
    },
    domain: { gateway: "skipper.run" },
    services: { "db": { engine: "postgres" } , cache: {engine:'redis'} },
    apps: {
        // the storefront
        web: {
            image: "ghcr.io/acme/web:1.4.2",   port: 3000,
            bind: ['db'],
        }, // trailing comment
        "api-v2": { image: "ghcr.io/acme/api:2.0.0", port: 8080 }   /* no comma */
    }
})
`;

const SHAPES: Record<string, string> = {
  odd: ODD,
  "function form (like stacks/skipper.ts)": readFileSync(join(REPO, "stacks/skipper.ts"), "utf8"),
  "tabs and CRLF": ODD.replaceAll("    ", "\t").replaceAll("\n", "\r\n"),
  "empty apps {}": ODD.replace(/apps: \{[\s\S]*?\n {4}\}\n/, "apps: {}\n"),
  "apps with only a comment": ODD.replace(/apps: \{[\s\S]*?\n {4}\}\n/, "apps: {\n        // none yet\n    }\n"),
  "inline apps": ODD.replace(/apps: \{[\s\S]*?\n {4}\}\n/, 'apps: { web: { image: "nginx:1.27" } }\n'),
  "inline apps with trailing comma": ODD.replace(
    /apps: \{[\s\S]*?\n {4}\}\n/,
    'apps: { web: { image: "nginx:1.27" }, }\n',
  ),
  "no apps property": ODD.replace(/ {4}apps: \{[\s\S]*?\n {4}\}\n/, "").replace(
    "cache: {engine:'redis'} },",
    "cache: {engine:'redis'} }",
  ),
};

describe("add then remove gives the file back byte for byte", () => {
  for (const [shape, text] of Object.entries(SHAPES)) {
    it(shape, () => {
      assert.ok(text.includes("defineStack"), "fixture broken");
      const value = { image: "ghcr.io/acme/jobs:3.1.0", port: 9000, env: { MODE: "batch" }, bind: ["cache"] };
      const added = addEntry(new StackFile(text), "apps", "jobs", value);
      const file = new StackFile(added);
      const entry = file.entries("apps").find((e) => e.name === "jobs");
      assert.deepEqual(entry?.value, value);
      // Only the entry was inserted: the original text is the added text with the new characters taken out.
      assert.ok(added.length > text.length);
      const removed = removeEntry(file, "apps", "jobs");
      // Without an apps property the emptied one stays, as `apps: {}`.
      const expected =
        shape === "no apps property"
          ? text.replace("cache: {engine:'redis'} }\n", "cache: {engine:'redis'} },\n    apps: {}\n")
          : text;
      assert.equal(removed, expected);
      // And the same for a service.
      const withSvc = addEntry(new StackFile(text), "services", "queue", { engine: "redis", version: "7.4" });
      assert.equal(removeEntry(new StackFile(withSvc), "services", "queue"), text);
    });
  }

  it("keeps every byte before and after the new entry (multi-line apps)", () => {
    const added = addEntry(new StackFile(ODD), "apps", "jobs", { image: "ghcr.io/acme/jobs:3.1.0" });
    const api = '{ image: "ghcr.io/acme/api:2.0.0", port: 8080 }';
    const comma = ODD.indexOf(api) + api.length;
    const lineEnd = ODD.indexOf("\n", comma);
    const expected = `${ODD.slice(0, comma)},${ODD.slice(comma, lineEnd)}\n        jobs: { image: "ghcr.io/acme/jobs:3.1.0" }${ODD.slice(lineEnd)}`;
    assert.equal(added, expected);
  });
});

describe("values are data, never code", () => {
  const seed = Number(process.env["FC_SEED"] ?? Date.now() % 100000);
  it(`hostile env values and names round-trip exactly (fast-check seed ${seed})`, () => {
    const hostile = fc.oneof(
      fc.string({ unit: "binary" }),
      fc.constantFrom(
        '"; process.exit(1); "',
        ["`$", "{process.env.HOME}`"].join(""),
        "*/ import('x') /*",
        "\\",
        "\u2028\u2029",
        "\n}); evil(); ({",
      ),
    );
    fc.assert(
      fc.property(fc.dictionary(fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,8}$/), hostile, { maxKeys: 4 }), (generated) => {
        const env = { ...generated };
        const text = addEntry(new StackFile(ODD), "apps", "jobs", { image: "ghcr.io/acme/jobs:1", env });
        const file = new StackFile(text);
        assert.deepEqual(file.entries("apps").find((e) => e.name === "jobs")?.value, {
          image: "ghcr.io/acme/jobs:1",
          env,
        });
        // Still exactly the original statements: nothing became code.
        assert.equal(file.source.getStatements().length, new StackFile(ODD).source.getStatements().length);
        assert.equal(removeEntry(file, "apps", "jobs"), ODD);
      }),
      { seed, numRuns: 150 },
    );
  });
});

describe("kip app / kip service as a user runs them", () => {
  const dir = join(tmp.dir, "cli");
  const stack = join(tmp.dir, "stack.ts");
  writeFileSync(stack, ODD);
  const kip = (...args: string[]) => runKip([...args, "--file", stack], { cwd: tmp.dir });

  it("refuses a duplicate, an invalid name or image, an unknown binding; nothing written (exit 2)", async () => {
    for (const args of [
      ["app", "add", "web", "--image", "nginx:1.27"],
      ["app", "add", "Web_1", "--image", "nginx:1.27"],
      ["app", "add", "jobs", "--image", 'nginx:1.27"; evil()'],
      ["app", "add", "jobs", "--image", "nginx:1.27", "--port", "99999"],
      ["app", "add", "jobs", "--image", "nginx:1.27", "--bind", "nosuch"],
      ["app", "remove", "nosuch"],
      ["service", "add", "db", "--engine", "postgres"],
      ["service", "add", "kafka", "--engine", "kafka"],
      ["service", "remove", "db"],
    ]) {
      const r = await kip(...args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /^kip (app|service) (add|remove): /);
      assert.equal(readFileSync(stack, "utf8"), ODD, `${args.join(" ")} wrote the file`);
    }
  });

  it("names the field the validator refuses", async () => {
    const r = await kip("app", "add", "jobs", "--image", "nginx:1.27", "--port", "99999");
    assert.match(r.stderr, /apps\.jobs\.port/);
    const s = await kip("service", "remove", "db");
    assert.match(s.stderr, /apps\.web\.bind\[0\]/);
  });

  it("a file without a defineStack object is refused with the snippet to paste (exit 3)", async () => {
    const odd = join(tmp.dir, "plain.ts");
    const text = "const apps = {};\nexport default makeStack({ apps });\n";
    writeFileSync(odd, text);
    const r = await runKip(["app", "add", "jobs", "--image", "nginx:1.27", "--port", "80", "--file", odd], {
      cwd: tmp.dir,
    });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /jobs: \{ image: "nginx:1\.27", port: 80 \},/);
    assert.equal(readFileSync(odd, "utf8"), text);
  });

  it("add, list, synth (valid Kubernetes), remove: the file comes back identical", async () => {
    const add = await kip(
      "app",
      "add",
      "jobs",
      "--image",
      "ghcr.io/acme/jobs:3.1.0",
      "--port",
      "9000",
      "--bind",
      "db",
      "--env",
      "MODE=batch",
      "--replicas",
      "2",
    );
    assert.equal(add.code, 0, add.stderr);
    const svc = await kip(
      "service",
      "add",
      "queue",
      "--engine",
      "redis",
      "--engine-version",
      "7.4",
      "--storage",
      "2Gi",
    );
    assert.equal(svc.code, 0, svc.stderr);
    const list = await kip("app", "list", "--json");
    const apps = JSON.parse(list.stdout) as { name: string; replicas?: number }[];
    assert.deepEqual(
      apps.map((a) => a.name),
      ["web", "api-v2", "jobs"],
    );
    assert.equal(apps.find((a) => a.name === "jobs")?.replicas, 2);
    const services = JSON.parse((await kip("service", "list", "--json")).stdout) as { name: string }[];
    assert.deepEqual(
      services.map((s) => s.name),
      ["db", "cache", "queue"],
    );

    const out = join(dir, "synth");
    const synth = await runKip(["synth", stack, "--out", out], { cwd: tmp.dir });
    assert.equal(synth.code, 0, synth.stderr);
    const objects: K8sObject[] = [];
    for (const [path, text] of readTree(out)) {
      if (path.startsWith("k8s/")) for (const d of parseAllDocuments(text)) objects.push(d.toJS() as K8sObject);
    }
    assert.deepEqual(validateObjects(objects), []);
    const jobs = objects.find((o) => o.kind === "Deployment" && o.metadata.name === "jobs") as
      | (K8sObject & { spec: { replicas: number } })
      | undefined;
    assert.equal(jobs?.spec.replicas, 2);
    assert.ok(objects.some((o) => o.kind === "StatefulSet" && o.metadata.name === "queue"));

    assert.equal((await kip("service", "remove", "queue")).code, 0);
    assert.equal((await kip("app", "rm", "jobs")).code, 0);
    assert.equal(readFileSync(stack, "utf8"), ODD);
  });
});
