/**
 * `kip synth` on stacks that are wrong: exit code 2, one message that names the file, the field and the rule, and
 * nothing written. Each case is a small stack file in a temporary folder, importing Skipper like a user's would.
 */
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { REPO, runKip, tempDir } from "./synth-support.ts";

const tmp = tempDir("kip-synth-bad-");
after(tmp.cleanup);
// Like a user's project: an ES module package.
writeFileSync(join(tmp.dir, "package.json"), `${JSON.stringify({ type: "module" })}\n`);

const defineStackUrl = pathToFileURL(join(REPO, "components", "define-stack.ts")).href;
const bareMetalUrl = pathToFileURL(join(REPO, "providers", "bare-metal.ts")).href;

/** A stack file: the example's shape with `patch` spliced into the object given to defineStack. */
function stackFile(name: string, body: { cluster?: string; services?: string; apps?: string }): string {
  const file = join(tmp.dir, `${name}.ts`);
  writeFileSync(
    file,
    `import { defineStack } from ${JSON.stringify(defineStackUrl)};
import { bareMetal } from ${JSON.stringify(bareMetalUrl)};
export default defineStack({
  cluster: ${body.cluster ?? `{ provider: bareMetal({ hosts: [{ address: "203.0.113.10" }] }), k3s: { version: "v1.31.4+k3s1" } }`},
  domain: { gateway: "skipper.run" },
  services: ${body.services ?? `{ db: { engine: "postgres" } }`},
  apps: ${body.apps ?? `{ web: { image: "nginx:1.27", port: 80, bind: ["db"] } }`},
});
`,
  );
  return file;
}

const cases: { name: string; body: Parameters<typeof stackFile>[1]; field: RegExp; rule: RegExp }[] = [
  {
    name: "invalid-app-name",
    body: { apps: `{ Web_App: { image: "nginx:1.27", port: 80 } }` },
    field: /apps\.Web_App/,
    rule: /DNS-1123/,
  },
  {
    name: "port-out-of-range",
    body: { apps: `{ web: { image: "nginx:1.27", port: 70000 } }` },
    field: /apps\.web\.port/,
    rule: /65535/,
  },
  {
    name: "app-and-service-share-a-name",
    body: { services: `{ web: { engine: "redis" } }`, apps: `{ web: { image: "nginx:1.27", port: 80 } }` },
    field: /web/,
    rule: /name|same|share/i,
  },
  {
    name: "binding-to-missing-service",
    body: { apps: `{ web: { image: "nginx:1.27", port: 80, bind: ["cache"] } }` },
    field: /apps\.web\.bind/,
    rule: /cache/,
  },
  {
    name: "unknown-engine",
    body: { services: `{ db: { engine: "oracle" } }` },
    field: /services\.db\.engine/,
    rule: /postgres/,
  },
  {
    name: "malformed-k3s-version",
    body: {
      cluster: `{ provider: bareMetal({ hosts: [{ address: "203.0.113.10" }] }), k3s: { version: "1.31" } }`,
    },
    field: /cluster\.k3s\.version/,
    rule: /v1\.31\.4\+k3s1|k3s release/,
  },
  {
    // A typo of hostKey would drop host-key pinning without a word if it were ignored.
    name: "mistyped-host-field",
    body: {
      cluster: `{ provider: bareMetal({ hosts: [{ address: "203.0.113.10", hostkey: "ssh-ed25519 AAAA" }] }), k3s: { version: "v1.31.4+k3s1" } }`,
    },
    field: /cluster\.hosts\[0\]\.hostkey/,
    rule: /is not a known field; did you mean `hostKey`\?/,
  },
  {
    // Once crashed with "ports.forEach is not a function" and exit code 1.
    name: "preflight-ports-not-a-list",
    body: {
      cluster: `{ provider: bareMetal({ hosts: [{ address: "203.0.113.10" }] }), k3s: { version: "v1.31.4+k3s1" }, preflight: { ports: 80 } }`,
    },
    field: /cluster\.preflight\.ports/,
    rule: /must be a list of whole numbers \(got 80\)/,
  },
  {
    // A typo of provider leaves the cluster without machines: named, not a TypeError.
    name: "provider-missing",
    body: {
      cluster: `{ provdier: bareMetal({ hosts: [{ address: "203.0.113.10" }] }), k3s: { version: "v1.31.4+k3s1" } }`,
    },
    field: /cluster\.provider/,
    rule: /is required: where the machines come from/,
  },
];

describe("kip synth on an invalid stack", () => {
  for (const c of cases) {
    it(`${c.name}: exits 2, names file, field and rule, writes nothing`, async () => {
      const file = stackFile(c.name, c.body);
      const out = join(tmp.dir, `out-${c.name}`);
      const run = await runKip(["synth", file, "--out", out]);
      assert.equal(run.code, 2, `exit code; stderr:\n${run.stderr}`);
      assert.ok(run.stderr.includes(file), `message names the file:\n${run.stderr}`);
      assert.match(run.stderr, c.field);
      assert.match(run.stderr, c.rule);
      assert.doesNotMatch(run.stderr, /\n\s+at /, "no stack trace");
      assert.equal(run.stdout, "");
      assert.ok(!existsSync(out), "nothing written");
    });
  }

  it('explains a stack file that Node loads as CommonJS (no "type": "module")', async () => {
    const cjs = tempDir("kip-synth-cjs-");
    try {
      const file = join(cjs.dir, "stack.ts");
      writeFileSync(
        file,
        `import { defineStack } from ${JSON.stringify(defineStackUrl)};\nexport default defineStack({} as never);\n`,
      );
      const run = await runKip(["synth", file, "--out", join(cjs.dir, "out")]);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /loaded as CommonJS but is an ES module: add "type": "module"/);
      assert.ok(!existsSync(join(cjs.dir, "out")));
    } finally {
      cjs.cleanup();
    }
  });

  it("exits 1 with the reason when the stack file does not exist", async () => {
    const out = join(tmp.dir, "out-missing");
    const run = await runKip(["synth", join(tmp.dir, "nope.ts"), "--out", out]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /stack file not found: .*nope\.ts/);
    assert.ok(!existsSync(out));
  });
});
