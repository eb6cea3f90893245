/**
 * The fields of a stack, defined once. Every object of a `StackSpec` (cluster, hosts, k3s, preflight, domain, apps,
 * services, console, …) has one definition here listing its fields, their JSON type, whether they are required, their
 * bounds and a sentence about each. Two things are derived from it:
 *
 * - the shape check of `validateStack` (`core/validate/shape.ts`): unknown keys (with "did you mean"), missing
 *   required fields and wrong types are reported from these definitions, so a field added to `spec.ts` cannot be
 *   forgotten by the validator;
 * - `stackJsonSchema()`, a JSON Schema (draft 2020-12) of the plain stack, for tools that produce a stack as data
 *   (e.g. asking a model for one).
 *
 * The definitions are typed against the interfaces of `spec.ts` (`Fields<HostSpec>` …): a field present in one and
 * not the other, or required in one and optional in the other, does not compile. The rules that go beyond shape
 * (DNS names, image references, quantities, cross-object checks) live in `core/validate/*.ts`.
 */
import { ENGINES } from "./catalogue.ts";
import type { Preflight } from "./model.ts";
import type {
  AppSpec,
  ClusterSpec,
  ConsoleSpec,
  DomainSpec,
  HealthSpec,
  HostSpec,
  K3sSpec,
  PreflightSpec,
  ResourcesSpec,
  ServiceSpec,
  StackSpec,
} from "./spec.ts";
import { DEFAULT_PROJECT } from "./spec.ts";

type Json = string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json };

interface Common {
  /** One sentence for the schema's `description`. */
  readonly doc: string;
  /** The value used when the field is left out (shown in the schema; the validators fill it in). */
  readonly default?: Json;
  /** What a value of the wrong type is told, when the generic wording (`must be a string`) is not enough. */
  readonly typeRule?: string;
}

export interface StringDef extends Common {
  readonly kind: "string";
  /** The only values allowed. */
  readonly enum?: readonly string[];
}
export interface IntegerDef extends Common {
  readonly kind: "integer";
  readonly min: number;
  readonly max: number;
}
export interface BooleanDef extends Common {
  readonly kind: "boolean";
}
export interface ListDef extends Common {
  readonly kind: "list";
  readonly items: FieldDef;
  readonly minItems?: number;
}
export interface ObjectDef extends Common {
  readonly kind: "object";
  readonly fields: Readonly<Record<string, FieldDef & { readonly required?: boolean }>>;
}
/** An object whose keys are names the user chooses (apps by name, env vars by name). */
export interface MapDef extends Common {
  readonly kind: "map";
  /** A regular expression every key must match (checked with its rule by the validators). */
  readonly keyPattern: string;
  readonly values: FieldDef;
}
export type FieldDef = StringDef | IntegerDef | BooleanDef | ListDef | ObjectDef | MapDef;

type Optional = FieldDef & { readonly required?: false };
type Required = FieldDef & { readonly required: true };
/** One definition per field of `T`: exactly its keys, `required: true` exactly on the keys `T` requires. */
type Fields<T> = { readonly [K in keyof T]-?: object extends Pick<T, K> ? Optional : Required };

function object<T>(doc: string, fields: Fields<T>): ObjectDef {
  return { kind: "object", doc, fields: fields as ObjectDef["fields"] };
}
const str = (doc: string, more: Partial<Omit<StringDef, "kind" | "doc">> = {}): StringDef => ({
  kind: "string",
  doc,
  ...more,
});
const int = (doc: string, min: number, max: number, more: Partial<Common> = {}): IntegerDef => ({
  kind: "integer",
  doc,
  min,
  max,
  ...more,
});
const bool = (doc: string, fallback: boolean): BooleanDef => ({ kind: "boolean", doc, default: fallback });
const list = (doc: string, items: FieldDef, more: Partial<Omit<ListDef, "kind" | "doc" | "items">> = {}): ListDef => ({
  kind: "list",
  doc,
  items,
  ...more,
});
const req = <D extends FieldDef>(def: D): D & { readonly required: true } => ({ ...def, required: true });

/** DNS-1123 label: app, service and project names. */
export const DNS_LABEL_PATTERN = "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$";
/** Environment variable names. */
export const ENV_NAME_PATTERN = "^[A-Za-z_][A-Za-z0-9_]*$";

const PORT_MAX = 65535;
export const DEFAULT_INSTALL_SCRIPT_URL = "https://get.k3s.io";
/** k3s's documented minimums. */
export const DEFAULT_PREFLIGHT: Preflight = { minMemoryMiB: 1800, minDiskGiB: 10, ports: [80, 443, 6443] };
export const MAX_REPLICAS = 100;
export const DEFAULT_HEALTH_DELAY_SECONDS = 5;
const strings = (doc: string): ListDef => list(doc, str("one entry"));

const RESOURCES = object<ResourcesSpec>("CPU and memory requests and limits (Kubernetes quantities as strings).", {
  cpu: str("CPU request, e.g. '100m' or '1'."),
  memory: str("Memory request, e.g. '256Mi'."),
  cpuLimit: str("CPU limit; defaults to the request."),
  memoryLimit: str("Memory limit; defaults to the request."),
});

export const HOST_DEF = object<HostSpec>("One machine reachable over SSH.", {
  address: req(str("Public IPv4 address or DNS name the host is reached at.")),
  user: str("SSH user: root, or a user with passwordless sudo.", { default: "root" }),
  port: int("SSH port.", 1, PORT_MAX, { default: 22 }),
  role: str("server (control plane) or agent (worker); the first host is a server.", {
    enum: ["server", "agent"],
  }),
  hostKey: str("The host's SSH public key as ssh-keyscan prints it without the host name; pins the key."),
  tlsSans: strings("Extra names or addresses for the API server certificate."),
  nodeName: str("Node name in Kubernetes; defaults to one derived from the address."),
});

export const K3S_DEF = object<K3sSpec>("Which k3s release is installed, and from where.", {
  version: req(str("Pinned k3s release tag, e.g. v1.31.4+k3s1.")),
  installScriptUrl: str("URL of the k3s install script (a mirror for air-gapped hosts).", {
    default: DEFAULT_INSTALL_SCRIPT_URL,
  }),
  artifactUrl: str("Base URL of a mirror laid out like k3s's GitHub releases."),
  extraServerArgs: strings("Extra `k3s server` flags, e.g. --disable=servicelb."),
});

export const PREFLIGHT_DEF = object<PreflightSpec>("Preflight thresholds checked on every host before k3s.", {
  minMemoryMiB: int("Minimum memory in MiB.", 0, 2 ** 31, { default: DEFAULT_PREFLIGHT.minMemoryMiB }),
  minDiskGiB: int("Minimum free space on /var/lib in GiB.", 0, 2 ** 31, { default: DEFAULT_PREFLIGHT.minDiskGiB }),
  ports: list("Ports that must be free on a server.", int("a TCP port", 1, PORT_MAX), {
    default: [...DEFAULT_PREFLIGHT.ports],
  }),
});

export const CLUSTER_DEF = object<ClusterSpec>("The machines and the k3s they run.", {
  name: str("A chosen cluster id for gateway names (hello--<name>.<gateway>); defaults to the first host's IPv4."),
  hosts: req(list("The machines; the first one initialises the cluster.", HOST_DEF, { minItems: 1 })),
  k3s: req(K3S_DEF),
  preflight: PREFLIGHT_DEF,
});

export const DOMAIN_DEF = object<DomainSpec>("How apps are reached: a Skipper gateway, custom domains, or both.", {
  gateway: str("Base domain of a Skipper gateway; every app gets <app>-<cluster-id>.<gateway>."),
  acmeEmail: str("Email for Let's Encrypt registrations of custom domains."),
  acmeStaging: bool("Use Let's Encrypt's staging directory.", false),
  trustedProxies: strings("Addresses or CIDRs whose X-Forwarded-* headers Traefik believes (the gateway's)."),
});

export const SERVICE_DEF = object<ServiceSpec>("A stateful service: a database or cache with a volume.", {
  engine: req(str("The engine.", { enum: ENGINES })),
  version: str("Image tag of the engine, e.g. 16 for postgres; defaults to the catalogue's."),
  storage: str("Volume size, e.g. 10Gi; defaults to the catalogue's."),
  project: str("Project (namespace) of the service.", { default: DEFAULT_PROJECT }),
  resources: RESOURCES,
  deleteDataOnDestroy: bool("Delete the volume when the service is removed or the stack destroyed.", false),
});

const HEALTH = object<HealthSpec>("Readiness and liveness probes over HTTP.", {
  path: req(str("HTTP path probed, e.g. /healthz.")),
  port: int("Port probed; defaults to the app's port.", 1, PORT_MAX),
  initialDelaySeconds: int("Seconds before the first probe.", 0, 3600, { default: DEFAULT_HEALTH_DELAY_SECONDS }),
});

export const APP_DEF = object<AppSpec>("A containerised app: Deployment, Service and routes.", {
  image: req(str("Container image with a tag or digest, e.g. ghcr.io/acme/web:1.4.2.")),
  port: int("Port the container listens on; apps without one get no Service and no route.", 1, PORT_MAX),
  replicas: int("Number of pods.", 0, MAX_REPLICAS, { default: 1 }),
  project: str("Project (namespace) of the app.", { default: DEFAULT_PROJECT }),
  env: {
    kind: "map",
    doc: "Plain environment variables.",
    keyPattern: ENV_NAME_PATTERN,
    values: str("the value", {
      typeRule: "must be a string (quote numbers and booleans: Kubernetes env values are text)",
    }),
  },
  secretEnv: strings("Names of secret env vars; values come from Pulumi config secrets skipper:secret.<app>.<NAME>."),
  bind: strings("Services (of the same project) whose connection settings are injected as env vars."),
  health: HEALTH,
  resources: RESOURCES,
  domains: list("Custom domains served with Let's Encrypt certificates.", str("a domain name"), {
    typeRule: "must be a list of domain names such as ['shop.example.com']",
  }),
  public: bool("Publish the app on its gateway name (needs domain.gateway and a port).", true),
  command: strings("Container command override."),
  args: strings("Container args override."),
});

export const CONSOLE_DEF = object<ConsoleSpec>("The web console deployed into the cluster.", {
  enabled: bool("Deploy the console.", false),
  domain: str("A custom domain for the console, served with a Let's Encrypt certificate."),
});

export const STACK_DEF = object<StackSpec>("A Skipper stack.", {
  cluster: req(CLUSTER_DEF),
  domain: DOMAIN_DEF,
  services: {
    kind: "map",
    doc: "Stateful services by name (DNS-1123 labels).",
    keyPattern: DNS_LABEL_PATTERN,
    values: SERVICE_DEF,
  },
  apps: { kind: "map", doc: "Apps by name (DNS-1123 labels).", keyPattern: DNS_LABEL_PATTERN, values: APP_DEF },
  console: CONSOLE_DEF,
});

/** The known field names of an object definition, sorted. */
export function knownFields(def: ObjectDef): string[] {
  return Object.keys(def.fields).sort();
}

/** JSON Schema of one definition. */
function toSchema(def: FieldDef): Record<string, unknown> {
  const base: Record<string, unknown> = { description: def.doc };
  if (def.default !== undefined) base["default"] = def.default;
  switch (def.kind) {
    case "string":
      return { type: "string", ...(def.enum && { enum: [...def.enum] }), ...base };
    case "integer":
      return { type: "integer", minimum: def.min, maximum: def.max, ...base };
    case "boolean":
      return { type: "boolean", ...base };
    case "list":
      return {
        type: "array",
        items: toSchema(def.items),
        ...(def.minItems !== undefined && { minItems: def.minItems }),
        ...base,
      };
    case "map":
      return {
        type: "object",
        propertyNames: { pattern: def.keyPattern },
        additionalProperties: toSchema(def.values),
        ...base,
      };
    case "object": {
      const names = knownFields(def);
      const required = names.filter((n) => def.fields[n]!.required);
      return {
        type: "object",
        properties: Object.fromEntries(names.map((n) => [n, toSchema(def.fields[n]!)])),
        ...(required.length > 0 && { required }),
        additionalProperties: false,
        ...base,
      };
    }
  }
}

/**
 * A JSON Schema (draft 2020-12) of a plain `StackSpec`: the cluster's hosts as data (no provider object), every
 * object closed (`additionalProperties: false`). Shape only: a stack that passes it can still break a rule of the
 * validators (e.g. an image reference), which `validateStack` reports by field.
 */
export function stackJsonSchema(): Record<string, unknown> {
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: "https://skipper.run/schemas/stack.json",
    title: "Skipper stack",
    ...toSchema(STACK_DEF),
  };
}
