/**
 * The offline Pulumi runtime `kip synth` and the component tests share: the SDK's mock monitor (no engine, no
 * providers), extended to record every resource registration with its options. The SDK's `setMocks` only shows a
 * mock the type, name, inputs and provider of a resource; parents, `dependsOn`, `retainOnDelete`, `deletedWith`,
 * timeouts and secret outputs travel in the `RegisterResourceRequest`, which only the monitor sees. Subclassing the
 * SDK's internal `MockMonitor` is the one place Skipper depends on Pulumi internals; nothing else may.
 */
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks.js";
import { deserializeProperties, specialSecretSig, specialSigKey, unknownValue } from "@pulumi/pulumi/runtime/rpc.js";

/** Options of a resource as the engine would receive them. Unset options are left out. */
export interface RecordedOptions {
  readonly protect?: boolean;
  readonly retainOnDelete?: boolean;
  /** URN of the resource this one is deleted with. */
  readonly deletedWith?: string;
  readonly deleteBeforeReplace?: boolean;
  readonly additionalSecretOutputs?: readonly string[];
  readonly ignoreChanges?: readonly string[];
  readonly replaceOnChanges?: readonly string[];
  readonly customTimeouts?: { readonly create?: string; readonly update?: string; readonly delete?: string };
}

/** One resource registration. */
export interface RecordedResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly custom: boolean;
  /** URN of the parent ("" for the stack itself). */
  readonly parent: string;
  /** `<provider urn>::<provider id>`, or "" for components and default providers. */
  readonly provider: string;
  /** URNs of explicit and implicit dependencies, sorted. */
  readonly dependsOn: readonly string[];
  /** Inputs as sent to the engine; secrets are wrapped (`isSecretValue`), unknowns test `isUnknownValue`. */
  readonly inputs: Record<string, unknown>;
  readonly options: RecordedOptions;
}

// The SDK's own wire markers: a secret is `{ [specialSigKey]: specialSecretSig, value }`, an unknown (preview) value
// is `unknownValue`.
const SIG_KEY = specialSigKey;
const SECRET_SIG = specialSecretSig;
const UNKNOWN_WIRE = unknownValue;

/** Whether a recorded value is unknown (a preview value only the engine could supply). */
export function isUnknownValue(v: unknown): boolean {
  if (v === UNKNOWN_WIRE) return true;
  return typeof v === "object" && v !== null && (v as { __pulumiUnknown?: unknown }).__pulumiUnknown === true;
}

export interface WrappedSecret {
  readonly [SIG_KEY]: typeof SECRET_SIG;
  readonly value: unknown;
}

export function isSecretValue(v: unknown): v is WrappedSecret {
  return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** A recorded value with secrets unwrapped (for assertions; never for output). */
export function revealSecrets(v: unknown): unknown {
  if (isSecretValue(v)) return revealSecrets(v.value);
  if (Array.isArray(v)) return v.map(revealSecrets);
  if (typeof v === "object" && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, revealSecrets(x)]));
  }
  return v;
}

/** What a mock provider answers for a new resource: its id and output state. */
export type StateFor = (args: pulumi.runtime.MockResourceArgs) => Record<string, unknown>;

export interface MockRuntimeOptions {
  readonly project: string;
  readonly stack: string;
  /** `true` simulates a preview: ids empty, outputs the mock does not return are unknown. */
  readonly preview: boolean;
  /** Extra output state per resource, merged over the inputs. @default `defaultState`; nothing in a preview */
  readonly stateFor?: StateFor;
}

/** A kubeconfig as k3s writes it, with fake credentials: what a mocked remote step answers on stdout. */
export const FAKE_K3S_KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: ZmFrZS1jYQ==
    server: https://127.0.0.1:6443
  name: default
contexts:
- context:
    cluster: default
    user: default
  name: default
current-context: default
preferences: {}
users:
- name: default
  user:
    client-certificate-data: ZmFrZS1jZXJ0
    client-key-data: ZmFrZS1rZXk=
`;

/**
 * Outputs the components read, for resources whose providers do not run here: every remote step prints a
 * kubeconfig (the only stdout a component reads), a random password is a fixed string derived from its name.
 */
export function defaultState(args: pulumi.runtime.MockResourceArgs): Record<string, unknown> {
  if (args.type === "command:remote:Command") return { stdout: FAKE_K3S_KUBECONFIG, stderr: "" };
  if (args.type === "random:index/randomPassword:RandomPassword") return { result: `mock-password-${args.name}` };
  return {};
}

type Req = {
  getType(): string;
  getName(): string;
  getCustom(): boolean;
  getParent(): string;
  getProvider(): string;
  getObject(): Parameters<typeof deserializeProperties>[0];
  getDependenciesList(): string[];
  getProtect(): boolean | undefined;
  getRetainondelete(): boolean | undefined;
  getDeletedwith(): string;
  getDeletebeforereplace(): boolean;
  getAdditionalsecretoutputsList(): string[];
  getIgnorechangesList(): string[];
  getReplaceonchangesList(): string[];
  getCustomtimeouts(): { getCreate(): string; getUpdate(): string; getDelete(): string } | undefined;
  getPropertydependenciesMap(): { forEach(cb: (v: { getUrnsList(): string[] }, k: string) => void): void };
};
type OutputsReq = { getUrn(): string; getOutputs(): Parameters<typeof deserializeProperties>[0] };
type Callback = (err: unknown, resp?: { getUrn(): string }) => void;

function nonEmpty<T>(list: readonly T[]): readonly T[] | undefined {
  return list.length > 0 ? list : undefined;
}

function optionsOf(req: Req): RecordedOptions {
  const t = req.getCustomtimeouts();
  const timeouts = t
    ? Object.fromEntries(
        Object.entries({ create: t.getCreate(), update: t.getUpdate(), delete: t.getDelete() }).filter(([, v]) => v),
      )
    : {};
  const entries: [string, unknown][] = [
    ["protect", req.getProtect() || undefined],
    ["retainOnDelete", req.getRetainondelete() || undefined],
    ["deletedWith", req.getDeletedwith() || undefined],
    ["deleteBeforeReplace", req.getDeletebeforereplace() || undefined],
    ["additionalSecretOutputs", nonEmpty(req.getAdditionalsecretoutputsList())],
    ["ignoreChanges", nonEmpty(req.getIgnorechangesList())],
    ["replaceOnChanges", nonEmpty(req.getReplaceonchangesList())],
    ["customTimeouts", Object.keys(timeouts).length > 0 ? timeouts : undefined],
  ];
  return Object.fromEntries(entries.filter(([, v]) => v !== undefined)) as RecordedOptions;
}

function dependenciesOf(req: Req): string[] {
  const urns = new Set(req.getDependenciesList());
  req.getPropertydependenciesMap().forEach((deps) => {
    for (const u of deps.getUrnsList()) urns.add(u);
  });
  return [...urns].sort();
}

/**
 * A URN as the engine builds it: the whole chain of parent types (`A$B$C`), without the root stack's type. The SDK's
 * mock keeps only the nearest parent's type, which gives URNs a real deployment never has.
 */
export function engineUrn(parent: string, type: string, name: string): string {
  let qualified = type;
  if (parent) {
    const parentType = parent.split("::")[2] ?? "";
    if (parentType !== "pulumi:pulumi:Stack") qualified = `${parentType}$${type}`;
  }
  return `urn:pulumi:${pulumi.runtime.getStack()}::${pulumi.runtime.getProject()}::${qualified}::${name}`;
}

/** The SDK's mock monitor, plus a record of every registration. */
class RecordingMonitor extends MockMonitor {
  private readonly onRecord: (r: RecordedResource) => void;

  constructor(mocks: pulumi.runtime.Mocks, onRecord: (r: RecordedResource) => void) {
    super(mocks);
    this.onRecord = onRecord;
    // `newUrn` is private in the SDK's typings; an own property takes the place of its method.
    (this as unknown as { newUrn: typeof engineUrn }).newUrn = engineUrn;
  }

  /** Outputs registered per URN (the root stack's are the stack outputs), secrets wrapped as on the wire. */
  readonly outputs = new Map<string, Record<string, unknown>>();

  override registerResourceOutputs(req: OutputsReq, callback: (err: unknown, resp?: unknown) => void): void {
    this.outputs.set(req.getUrn(), deserializeProperties(req.getOutputs(), true) as Record<string, unknown>);
    super.registerResourceOutputs(req, callback);
  }

  override async registerResource(req: Req, callback: Callback): Promise<void> {
    const base = {
      type: req.getType(),
      name: req.getName(),
      custom: req.getCustom(),
      parent: req.getParent(),
      provider: req.getProvider(),
      dependsOn: dependenciesOf(req),
      inputs: deserializeProperties(req.getObject(), true) as Record<string, unknown>,
      options: optionsOf(req),
    };
    await super.registerResource(req, (err: unknown, resp?: { getUrn(): string }) => {
      if (!err && resp) this.onRecord({ urn: resp.getUrn(), ...base });
      callback(err, resp);
    });
  }
}

export interface MockRuntime {
  /** The resources registered so far, in registration order. */
  readonly resources: RecordedResource[];
  /** The stack outputs as the engine received them (secrets wrapped), once the program has finished. */
  stackOutputs(): Record<string, unknown>;
}

/**
 * Install the recording mock runtime (replaces any earlier one). Call before any resource is created.
 */
export function startMockRuntime(opts: MockRuntimeOptions): MockRuntime {
  const resources: RecordedResource[] = [];
  // In a preview the providers have not run: outputs that are not inputs stay unknown unless a test says otherwise.
  const stateFor = opts.stateFor ?? (opts.preview ? () => ({}) : defaultState);
  const mocks: pulumi.runtime.Mocks = {
    newResource: (args) => ({
      id: opts.preview ? undefined : `${args.name}-id`,
      state: stateFor(args),
    }),
    call: (args) => args.inputs,
  };
  const monitor = new RecordingMonitor(mocks, (r) => resources.push(r));
  pulumi.runtime.setMocks(mocks, opts.project, opts.stack, opts.preview);
  // setMocks installed a plain MockMonitor and switched the features on; put the recording one in its place.
  pulumi.runtime.setMockOptions(monitor, opts.project, opts.stack, opts.preview);
  return {
    resources,
    stackOutputs: () => {
      const root = resources.find((r) => r.type === "pulumi:pulumi:Stack");
      return (root && monitor.outputs.get(root.urn)) ?? {};
    },
  };
}

/**
 * Run a Pulumi program the way the Node language host does: inside the root stack resource, the module imported
 * and, when its default export is a function, that function called and awaited. Resolves, once every registration
 * has finished, to what the program returned (Outputs and all; `MockRuntime.stackOutputs` has them as sent).
 */
export interface RunOptions {
  /**
   * Skip the stack traces the SDK records for every resource and promise (source positions for the engine's
   * display, leak diagnostics) while the program's function runs: with source maps on, they are most of the cost of
   * a large stack. Errors thrown meanwhile carry no stack trace, only their message. @default false
   */
  readonly cheapStackTraces?: boolean;
}

export async function runProgram(load: () => Promise<unknown>, opts: RunOptions = {}): Promise<unknown> {
  let result: unknown;
  let failure: { error: unknown } | undefined;
  try {
    await pulumi.runtime.runInPulumiStack(async () => {
      try {
        result = await callProgram(load, opts);
        return result;
      } catch (error) {
        // Kept here rather than thrown through the stack resource: the SDK would leave that rejection unobserved in
        // promises of its own, which ends a Node process that has no language host to catch it.
        failure = { error };
        return {};
      }
    });
  } catch (error) {
    failure ??= { error };
  }
  // Let registrations already sent finish against this monitor, also after a failure, so none of them lands in the
  // next runtime a test installs.
  try {
    await pulumi.runtime.disconnect();
  } catch (error) {
    failure ??= { error };
  }
  if (failure) throw failure.error;
  return result;
}

async function callProgram(load: () => Promise<unknown>, opts: RunOptions): Promise<unknown> {
  const mod = (await load()) as Record<string, unknown>;
  let exported: unknown = mod;
  if (Object.getOwnPropertyDescriptor(mod, "default") !== undefined) {
    if (Object.keys(mod).length !== 1) {
      throw new Error(
        "the stack file must have either a default export or named exports, not both (as Pulumi requires)",
      );
    }
    exported = mod["default"];
  }
  if (!(exported instanceof Function)) return exported;
  if (!opts.cheapStackTraces) return await exported();
  // Only around the call, after every module is loaded: some modules inspect stacks while they load.
  const limit = Error.stackTraceLimit;
  const sourceMaps = process.sourceMapsEnabled;
  // The SDK's static `Resource.callsites` (source positions) raises the limit to Infinity for every resource.
  const resourceClass = pulumi.Resource as unknown as { callsites: () => unknown[] };
  const callsites = resourceClass.callsites;
  Error.stackTraceLimit = 0;
  process.setSourceMapsEnabled(false);
  resourceClass.callsites = () => [];
  try {
    return await exported();
  } finally {
    Error.stackTraceLimit = limit;
    process.setSourceMapsEnabled(sourceMaps);
    resourceClass.callsites = callsites;
  }
}
