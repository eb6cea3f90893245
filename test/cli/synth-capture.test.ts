/**
 * `kip synth`'s host files show what a reviewer must read: `hosts/<host>/<nn>-<step>.sh` is the script itself (what
 * runs as root), and the root/sudo wrapper is written once per host beside them (`as-root.sh`). Together they give
 * back, byte for byte, the command Pulumi sends.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { synthesize } from "../../cli/synth/capture.ts";
import { privileged, shQuote, unwrapPrivileged } from "../../core/k3s/shell.ts";
import type { Host } from "../../core/model.ts";
import { evaluateStackFile, TEST_SSH_KEY } from "../support/pulumi-mocks.ts";

const HOST: Host = {
  index: 1,
  address: "203.0.113.11",
  user: "deploy",
  port: 22,
  role: "agent",
  tlsSans: ["203.0.113.11"],
  nodeName: "node-2",
};

describe("unwrapPrivileged", () => {
  it("property: gives back the script privileged wrapped, whatever its quotes and newlines", () => {
    const seed = Number(process.env["FC_SEED"] ?? Date.now() % 2 ** 31);
    console.log(`fast-check seed ${seed}`);
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom("a", "'", "\\", "\n", '"', "$", " ", "é") }), (script) => {
        const command = privileged(script, "install", HOST);
        const parts = unwrapPrivileged(command);
        assert.ok(parts);
        assert.equal(parts.script, script);
        assert.equal(parts.where, "install on node-2 (203.0.113.11)");
        assert.equal(
          parts.wrapper.replace(`skipper_script=$(cat "$1")`, () => `skipper_script=${shQuote(script)}`),
          command,
        );
      }),
      { seed, numRuns: 300 },
    );
  });

  it("leaves alone a command it did not make", () => {
    assert.equal(unwrapPrivileged("echo hello\n"), undefined);
    const made = privileged("echo hi", "x", HOST);
    assert.equal(unwrapPrivileged(made.replace("exec bash -c", "exec sh -c")), undefined);
    assert.equal(unwrapPrivileged(made.replace("'echo hi'", "'echo hi'x")), undefined);
  });
});

describe("kip synth: host scripts", () => {
  it("writes each step's script, and the wrapper once per host, which rebuild the exact command", async () => {
    const run = await evaluateStackFile("stacks/multi-host.ts", {
      config: { "skipper:sshPrivateKey": TEST_SSH_KEY, "skipper:secret.storefront.STRIPE_KEY": "sk" },
    });
    const out = synthesize({
      project: "skipper",
      stack: "test",
      stackFile: "stacks/multi-host.ts",
      resources: run.resources,
      outputs: run.runtime.stackOutputs(),
    });
    const steps = run.ofType("command:remote:Command");
    const hostDirs = new Set<string>();
    for (const step of steps) {
      const file = out.summary.resources.find((r) => r.urn === step.urn)?.file;
      assert.ok(file, step.urn);
      const dir = file.slice(0, file.lastIndexOf("/"));
      hostDirs.add(dir);
      const script = out.files.get(file)!;
      const command = String(step.inputs["create"]);
      assert.ok(!script.includes("skipper_script="), `${file} is the script, not the wrapper`);
      assert.match(script, /^set -euo pipefail\n/, file);
      const note = /^(#[^\n]*\n){2}/;
      const wrapper = out.files.get(`${dir}/as-root.sh`)!.replace(note, "");
      const where = /^# skipper: ([^\n]*)\n/.exec(command)![1]!;
      const rebuilt = wrapper
        .replaceAll(`<step>${where.slice(where.lastIndexOf(" on "))}`, where)
        .replace(`skipper_script=$(cat "$1")`, () => `skipper_script=${shQuote(script)}`);
      assert.equal(rebuilt, command, `${file} + as-root.sh rebuild the command`);
    }
    assert.ok(hostDirs.size >= 2, [...hostDirs].join(", "));
    const wrappers = [...out.files.keys()].filter((p) => p.endsWith("as-root.sh"));
    assert.deepEqual(wrappers.sort(), [...hostDirs].map((d) => `${d}/as-root.sh`).sort(), "one wrapper per host");
  });
});
