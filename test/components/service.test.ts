/**
 * A stateful service's lifecycle under the mock runtime: removing it from the stack removes its workload (nothing
 * retained in the cluster behind Pulumi's back) and keeps its volume unless `deleteDataOnDestroy`; declared again it
 * gets back the password its data was initialised with; its volume uses the provider's StorageClass, as `kip synth`
 * shows.
 *
 * Pulumi's state is simulated across runs the way the engine keeps it: a resource present in the previous run keeps
 * its outputs, one created anew gets fresh random outputs (seeded, printed).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { synthesize } from "../../cli/synth/capture.ts";
import { defaultState } from "../../cli/synth/runtime.ts";
import { buildStack, type DefineStackArgs } from "../../components/define-stack.ts";
import { deriveServicePassword } from "../../core/render/service.ts";
import type { ServiceSpec } from "../../core/spec.ts";
import { bareMetal } from "../../providers/bare-metal.ts";
import { type Evaluated, evaluateProgram, type RecordedResource, TEST_SSH_KEY } from "../support/pulumi-mocks.ts";

const config = { "skipper:sshPrivateKey": TEST_SSH_KEY };
const STS = "kubernetes:apps/v1:StatefulSet";
const SECRET = "kubernetes:core/v1:Secret";

function args(services: Record<string, ServiceSpec>, storageClass?: string): DefineStackArgs {
  return {
    cluster: {
      provider: bareMetal({
        hosts: [{ address: "203.0.113.10" }],
        ...(storageClass !== undefined && { storageClass }),
      }),
      k3s: { version: "v1.31.4+k3s1" },
    },
    services,
  };
}

/** A seeded stand-in for Pulumi's state of random resources across `up`s. */
class State {
  private kept = new Map<string, Record<string, unknown>>();
  private next = new Map<string, Record<string, unknown>>();
  private n: number;
  constructor(seed: number) {
    this.n = seed;
  }
  readonly stateFor = (a: pulumi.runtime.MockResourceArgs): Record<string, unknown> => {
    const key = `${a.type}::${a.name}`;
    let out = this.kept.get(key);
    if (out === undefined) {
      out = a.type.startsWith("random:") ? { result: `fresh-${a.name}-${this.random()}` } : defaultState(a);
    }
    this.next.set(key, out);
    return out;
  };
  /** Run `stack` as one `pulumi up`: what it declares is the state afterwards. */
  async up(stack: DefineStackArgs): Promise<Evaluated> {
    this.next = new Map();
    const run = await evaluateProgram(() => buildStack(stack), { config, stateFor: this.stateFor });
    this.kept = this.next;
    return run;
  }
  /** The `result` the state holds for a random resource. */
  output(type: string, name: string): string {
    return String(this.kept.get(`${type}::${name}`)?.["result"]);
  }
  private random(): string {
    // xorshift32
    this.n ^= this.n << 13;
    this.n ^= this.n >>> 17;
    this.n ^= this.n << 5;
    return (this.n >>> 0).toString(36);
  }
}

function seed(): number {
  const s = Number(process.env["TEST_SEED"] ?? (Date.now() % 2 ** 31) + 1);
  console.log(`state seed ${s}`);
  return s;
}

const passwordOf = (run: Evaluated, name: string): string =>
  (run.inputs(run.get(SECRET, `main/${name}-credentials`))["stringData"] as Record<string, string>)["PASSWORD"]!;

/** What Pulumi deletes when it goes from `before` to `after`: resources declared before and not any more. */
function removed(before: Evaluated, after: Evaluated): RecordedResource[] {
  const still = new Set(after.resources.map((r) => r.urn));
  return before.resources.filter((r) => !still.has(r.urn));
}

describe("Service: removing it from the stack", () => {
  for (const deleteDataOnDestroy of [false, true]) {
    it(`deletes its workload, credentials and Service, and ${deleteDataOnDestroy ? "lets its volume go (opted in)" : "keeps its volume"}`, async () => {
      const state = new State(seed());
      const before = await state.up(
        args({ db: { engine: "postgres" }, cache: { engine: "redis", deleteDataOnDestroy } }),
      );
      const after = await state.up(args({ db: { engine: "postgres" } }));
      const gone = removed(before, after).filter((r) => r.custom && r.type.startsWith("kubernetes:"));
      assert.deepEqual(gone.map((r) => `${r.type.split(":").at(-1)} ${r.name}`).sort(), [
        "Secret main/cache-credentials",
        "Service main/cache",
        "StatefulSet main/cache",
      ]);
      // Deleted for real in the cluster: none of them is only dropped from the state.
      for (const r of gone) assert.equal(r.options.retainOnDelete, undefined, `${r.urn} retainOnDelete`);
      // The claim is not a Pulumi resource: Kubernetes keeps or deletes it by the StatefulSet's policy.
      const sts = before.get(STS, "main/cache");
      const spec = before.inputs(sts)["spec"] as Record<string, Record<string, string>>;
      assert.deepEqual(spec["persistentVolumeClaimRetentionPolicy"], {
        whenDeleted: deleteDataOnDestroy ? "Delete" : "Retain",
        whenScaled: "Retain",
      });
      assert.equal(after.ofType("kubernetes:core/v1:PersistentVolumeClaim").length, 0);
      // The service that stays is untouched.
      assert.equal(passwordOf(after, "db"), passwordOf(before, "db"));
    });
  }

  it("declared again, it gets back the password its kept data was initialised with", async () => {
    const state = new State(seed());
    const first = await state.up(args({ db: { engine: "postgres" }, cache: { engine: "redis" } }));
    await state.up(args({}));
    const again = await state.up(args({ db: { engine: "postgres" }, cache: { engine: "redis" } }));
    for (const name of ["db", "cache"]) {
      assert.equal(passwordOf(again, name), passwordOf(first, name), name);
    }
    assert.notEqual(passwordOf(first, "db"), passwordOf(first, "cache"));
    // Derived from the stack's key, which lives as long as the stack does, not as long as the service.
    const key = state.output("random:index/randomPassword:RandomPassword", "service-credentials-key");
    assert.equal(passwordOf(first, "db"), deriveServicePassword(key, { namespace: "main", name: "db" }));
    assert.equal(first.ofType("random:index/randomPassword:RandomPassword").length, 2, "the key and the k3s token");
  });
});

describe("Service: the provider's StorageClass", () => {
  it("bareMetal({ storageClass }) reaches every service volume, in kip synth's output too", async () => {
    const run = await evaluateProgram(
      () => buildStack(args({ db: { engine: "postgres" }, cache: { engine: "redis" } }, "fast-ssd")),
      { config },
    );
    const out = synthesize({
      project: "skipper",
      stack: "test",
      stackFile: "stack.ts",
      resources: run.runtime.resources,
      outputs: run.runtime.stackOutputs(),
    });
    const files = [...out.files].filter(([path]) => /StatefulSet/i.test(path));
    assert.equal(files.length, 2, [...out.files.keys()].join(", "));
    for (const [path, text] of files) {
      const sts = parse(text) as { spec: { volumeClaimTemplates: { spec: { storageClassName?: string } }[] } };
      assert.equal(sts.spec.volumeClaimTemplates[0]?.spec.storageClassName, "fast-ssd", path);
    }
    const plain = await evaluateProgram(() => buildStack(args({ db: { engine: "postgres" } })), { config });
    const spec = plain.inputs(plain.get(STS, "main/db"))["spec"] as {
      volumeClaimTemplates: { spec: { storageClassName?: string } }[];
    };
    assert.equal(spec.volumeClaimTemplates[0]?.spec.storageClassName, "local-path", "bare metal's default");
  });
});
