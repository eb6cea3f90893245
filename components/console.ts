/**
 * `Console`: the console-api deployed into the cluster (issue 8, DESIGN.md §7). A thin shell over
 * `core/render/console.ts`: it packs the program (`components/console-bundle.ts`: the console-api bundle, argon2's
 * WebAssembly build, the web console from `console/dist` when it has been built), generates the two secrets, and
 * creates the objects through the cluster's provider.
 *
 * Secrets, both Pulumi secrets and generated once (kept in the stack's state until the resource is replaced):
 * - the admin password, a `random.RandomPassword`, returned as `adminPassword` (the stack output
 *   `consoleAdminPassword`); the console-api uses it only to create the first admin while no user exists;
 * - the token signing key: an Ed25519 key in PKCS #8 PEM whose seed is the SHA-256 of a second 64-character random
 *   string (`signingKeyPem`). No key provider plugin is needed (`@pulumi/random` is already one of ours), the key is
 *   stable across runs, and `pulumi up --replace <its RandomPassword's URN>` rotates it (signing everyone out).
 *
 * Access: its ServiceAccount gets the permissions of `core/console/permissions.ts` (RBAC from `renderConsole`), and a
 * ValidatingAdmissionPolicy with its binding (`renderConsoleAdmission`, see `core/render/console-policy.ts`) holds its
 * writes to Skipper's project namespaces and its own. Both are created first and every other object depends on the
 * binding, so the RBAC and the console-api Deployment never exist without them (and a destroy deletes them last).
 * The API server starts enforcing a new binding once its policy informer has seen it, a moment after it is created,
 * well before the console-api's pod has unpacked its archive and started.
 *
 * Without `console/dist` the console-api is shipped alone and serves the API only (no `SKIPPER_CONSOLE_WEB_DIR`); a
 * warning says so and how to build it.
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { signingKeyPem } from "../core/ed25519-key.ts";
import {
  type ConsoleArchive,
  type ConsoleInput,
  consoleConfig,
  consoleSecrets,
  consoleUrls,
  renderConsole,
  renderConsoleAdmission,
} from "../core/render/console.ts";
import { archiveFiles } from "./code-archive.ts";
import { type ConsoleFilesOptions, consoleFiles } from "./console-bundle.ts";
import { createK8sObject, objectKey } from "./k8s-object.ts";
import { createNamespaceFirst } from "./namespace-first.ts";
import { type ClusterTarget, inClusterOptions } from "./options.ts";

/** The console's archive plus what messages and tests report about it. */
export interface PackedConsole extends ConsoleArchive {
  /** Bytes of the console-api bundle. */
  readonly bundleBytes: number;
  /** Bytes of the uncompressed tar. */
  readonly tarBytes: number;
  readonly files: number;
  readonly webFiles: number;
  /** Where the web console was looked for. */
  readonly webDir?: string;
}

const packed = new Map<string, PackedConsole>();

/** Bundle and pack the console-api (once per process and options). */
export function packConsole(opts: ConsoleFilesOptions = {}): PackedConsole {
  const key = JSON.stringify(opts);
  const cached = packed.get(key);
  if (cached) return cached;
  const tree = consoleFiles(opts);
  const archive = archiveFiles(tree.files);
  const result: PackedConsole = {
    gzip: archive.gzip,
    tarSha256: archive.tarSha256,
    hasWeb: tree.webFiles > 0,
    bundleBytes: tree.bundle.bytes,
    tarBytes: archive.tarBytes,
    files: archive.files,
    webFiles: tree.webFiles,
    ...(tree.webDir !== undefined && { webDir: tree.webDir }),
  };
  packed.set(key, result);
  return result;
}

export interface ConsoleArgs extends Omit<ConsoleInput, "archive"> {
  /** The cluster to deploy into: its Kubernetes provider, and the install step objects are deleted with. */
  readonly cluster: ClusterTarget;
  /** The packed program. @default `packConsole()`: `console-api/main.ts` and `console/dist` of this package */
  readonly archive?: ConsoleArchive;
}

/** `dependsOn` of the component's options plus `more` (the `extra` argument of `inClusterOptions` replaces it). */
function dependsOnToo(
  opts: pulumi.ComponentResourceOptions | undefined,
  more: readonly pulumi.Resource[],
): pulumi.CustomResourceOptions {
  const given = opts?.dependsOn;
  const list = given === undefined ? [] : Array.isArray(given) ? given : [given];
  return more.length === 0 ? {} : { dependsOn: [...(list as pulumi.Input<pulumi.Resource>[]), ...more] };
}

export class Console extends pulumi.ComponentResource {
  /** `https://…` of the gateway host and the custom domain; empty when the console has neither. */
  readonly urls: readonly string[];
  /** The first admin's e-mail. */
  readonly adminEmail: string;
  /** The first admin's password (secret). */
  readonly adminPassword: pulumi.Output<string>;
  /** The Kubernetes objects by `<Kind>/<name>` (credentials Roles of several namespaces share a name: last one). */
  readonly objects: ReadonlyMap<string, pulumi.CustomResource>;

  constructor(name: string, args: ConsoleArgs, opts?: pulumi.ComponentResourceOptions) {
    const { cluster, archive: given, ...input } = args;
    const archive = given ?? packConsole();
    // Validated before anything is registered: a bad argument leaves no half-made component behind.
    const cfg = consoleConfig({ ...input, archive });
    super("skipper:console:Console", name, {}, opts);
    const webDir = (archive as Partial<PackedConsole>).webDir;
    if (!archive.hasWeb && webDir !== undefined) {
      pulumi.log.warn(
        `the web console is not built (no index.html in ${webDir}): the console-api is deployed serving its API ` +
          "only. Build it with `npm run build` in console/ and run `pulumi up` again.",
        this,
      );
    }
    this.urls = consoleUrls(cfg);
    this.adminEmail = cfg.adminEmail;

    const opt = { parent: this };
    const password = new random.RandomPassword(`${name}-admin-password`, { length: 24, special: false }, opt);
    const keySeed = new random.RandomPassword(`${name}-signing-key`, { length: 64, special: false }, opt);
    this.adminPassword = pulumi.secret(password.result);
    const signingKey = pulumi.secret(keySeed.result.apply(signingKeyPem));

    // The admission policy first (the binding waits for its policy), then everything else waits for the binding.
    const admission = new Map<string, pulumi.CustomResource>();
    for (const obj of renderConsoleAdmission(cfg)) {
      const earlier = [...admission.values()];
      admission.set(
        objectKey(obj),
        createK8sObject(obj, inClusterOptions(this, cluster, opts, dependsOnToo(opts, earlier))),
      );
    }
    const guarded = [...admission.values()];
    const objects = [
      ...consoleSecrets(cfg, { signingKeyPem: signingKey, adminPassword: this.adminPassword }),
      ...renderConsole(cfg),
    ];
    const rest = createNamespaceFirst(cfg.namespace, objects, () =>
      inClusterOptions(this, cluster, opts, dependsOnToo(opts, guarded)),
    );
    this.objects = new Map([...admission, ...rest]);
    this.registerOutputs({ urls: this.urls, adminEmail: this.adminEmail, adminPassword: this.adminPassword });
  }
}
