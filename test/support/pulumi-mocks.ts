/**
 * Test helpers for Pulumi programs under the SDK's mock runtime. The recording monitor itself (the one place that
 * touches Pulumi internals, shared with `kip synth`) lives in `cli/synth/runtime.ts`; this file adds what tests need:
 * config, loading a stack file the way Pulumi does, and lookups over the recorded resources.
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import {
  type MockRuntime,
  type RecordedResource,
  revealSecrets,
  runProgram,
  type StateFor,
  startMockRuntime,
} from "../../cli/synth/runtime.ts";

export { isSecretValue, isUnknownValue, type RecordedResource, revealSecrets } from "../../cli/synth/runtime.ts";

/** A test SSH key: never a real one; tests look for it in places it must not be. */
export const TEST_SSH_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nTEST-KEY-7f3a9c\n-----END OPENSSH PRIVATE KEY-----";

export interface MockOptions {
  /** Simulate a first preview (unknown ids and outputs). @default false */
  readonly preview?: boolean;
  /** Config values by full key (`skipper:host`). @default {} */
  readonly config?: Readonly<Record<string, string>>;
  /** Keys of `config` that are secrets. @default every key containing "secret" or "Key" */
  readonly secretKeys?: readonly string[];
  readonly stateFor?: StateFor;
}

/** Install the recording mock runtime with `config` as the stack's config. */
export function installMocks(opts: MockOptions = {}): MockRuntime {
  const config = opts.config ?? {};
  const secretKeys = opts.secretKeys ?? Object.keys(config).filter((k) => /secret|Key/.test(k));
  pulumi.runtime.setAllConfig({ ...config }, [...secretKeys]);
  return startMockRuntime({
    project: "skipper",
    stack: "test",
    preview: opts.preview ?? false,
    ...(opts.stateFor ? { stateFor: opts.stateFor } : {}),
  });
}

/** Everything a test inspects after a stack ran. */
export class Evaluated<T = unknown> {
  constructor(
    readonly runtime: MockRuntime,
    /** What the program returned (Outputs intact, so `pulumi.isSecret` works on them). */
    readonly result: T,
  ) {}

  get resources(): readonly RecordedResource[] {
    return this.runtime.resources;
  }
  ofType(type: string): RecordedResource[] {
    return this.resources.filter((r) => r.type === type);
  }
  /** The one resource of `type` named `name`; throws when absent. */
  get(type: string, name: string): RecordedResource {
    const r = this.resources.find((x) => x.type === type && x.name === name);
    if (!r)
      throw new Error(
        `no ${type} named ${name}; have: ${this.ofType(type)
          .map((x) => x.name)
          .join(", ")}`,
      );
    return r;
  }
  byUrn(urn: string): RecordedResource | undefined {
    return this.resources.find((r) => r.urn === urn);
  }
  /** Children of the resource with `urn`. */
  childrenOf(urn: string): RecordedResource[] {
    return this.resources.filter((r) => r.parent === urn);
  }
  /** Inputs with secrets unwrapped (for assertions only). */
  inputs(r: RecordedResource): Record<string, unknown> {
    return revealSecrets(r.inputs) as Record<string, unknown>;
  }
}

/** Load a stack file as Pulumi's Node language host does, under freshly installed mocks. */
export async function evaluateStackFile<T = unknown>(file: string, opts: MockOptions = {}): Promise<Evaluated<T>> {
  const runtime = installMocks(opts);
  const result = await runProgram(() => import(pathToFileURL(resolve(file)).href));
  return new Evaluated(runtime, result as T);
}

/** Run a program function (not a file) under freshly installed mocks. */
export async function evaluateProgram<T>(program: () => T, opts: MockOptions = {}): Promise<Evaluated<T>> {
  const runtime = installMocks(opts);
  const result = await runProgram(async () => ({ default: program }));
  return new Evaluated(runtime, result as T);
}

/** The value of an Output (resolves only when known). */
export function outputValue<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((ok) =>
    o.apply((v) => {
      ok(v);
      return v;
    }),
  );
}

/** Whether an Output is known (false in a preview for values only the engine can supply). */
export function isKnown(o: pulumi.Output<unknown>): Promise<boolean> {
  return (o as unknown as { isKnown: Promise<boolean> }).isKnown;
}

/** The name earlier tests import `outputValue` by. */
export { outputValue as valueOf };
