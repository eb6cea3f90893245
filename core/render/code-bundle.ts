/**
 * Running our own TypeScript (the gateway, the console-api) in a cluster that has no private image registry.
 *
 * The code is bundled into one JavaScript file elsewhere (`components/code-bundle.ts`, esbuild); here, purely, that file
 * becomes a ConfigMap, and a pod runs it with a pinned public Node image that mounts the ConfigMap read-only. The
 * bundle's SHA-256 goes into a pod-template annotation, so a change of code rolls the pods and nothing else does.
 */
import type { K8sObject } from "../k8s.ts";

/** One bundled program, ready to ship. `code` is the whole file; the same sources always give the same bytes. */
export interface CodeBundle {
  /** The entry it was built from, relative to the repository root (for messages). */
  readonly entry: string;
  /** File name inside the mount, e.g. `gateway.mjs`. */
  readonly fileName: string;
  readonly code: string;
  /** Hex SHA-256 of `code`. */
  readonly sha256: string;
  /** UTF-8 size of `code` in bytes. */
  readonly bytes: number;
}

/**
 * The public image the bundles run in: Node 24 LTS on Alpine, pinned by its full version tag. A tag can in principle be
 * re-pushed; where that matters, pass `image` with a digest (`node:24.22.3-alpine@sha256:…`), which every
 * renderer that takes an image accepts unchanged.
 */
export const NODE_RUNTIME_IMAGE = "docker.io/library/node:24.22.3-alpine";
/** The uid/gid of the `node` user in the official Node images. */
export const NODE_RUNTIME_UID = 1000;
/** Where the ConfigMap is mounted in the container. */
export const CODE_MOUNT_PATH = "/opt/skipper/code";
/** Pod-template annotation holding the bundle hash: a code change changes the template and rolls the pods. */
export const CODE_HASH_ANNOTATION = "skipper.dev/code-sha256";
/**
 * The API server refuses a ConfigMap whose keys plus values exceed 1 MiB (the same bound as Secrets). We keep 4 KiB
 * of headroom for the key and anything added later, and refuse before Kubernetes does, with a message that says what
 * to do.
 */
export const CONFIGMAP_MAX_BYTES = 1024 * 1024;
const HEADROOM_BYTES = 4 * 1024;

export interface CodeConfigMapOptions {
  readonly name: string;
  readonly namespace: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/** Throw unless the bundle fits in a ConfigMap; the message names the entry, the size and the ways out. */
export function assertFitsConfigMap(bundle: CodeBundle): void {
  const limit = CONFIGMAP_MAX_BYTES - HEADROOM_BYTES;
  const total = bundle.bytes + Buffer.byteLength(bundle.fileName);
  if (total > limit) {
    throw new Error(
      `bundle of ${bundle.entry} is ${total} bytes, over the ${limit}-byte budget of a Kubernetes ConfigMap ` +
        `(the API server refuses anything above ${CONFIGMAP_MAX_BYTES} bytes). Keep it minified, drop heavy ` +
        "dependencies from the entry, or mark optional ones external.",
    );
  }
}

/** The ConfigMap that carries the bundle. Its annotation repeats the hash so `kubectl get -o yaml` shows it. */
export function codeConfigMap(bundle: CodeBundle, opts: CodeConfigMapOptions): K8sObject {
  assertFitsConfigMap(bundle);
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: opts.name,
      namespace: opts.namespace,
      ...(opts.labels ? { labels: { ...opts.labels } } : {}),
      annotations: { [CODE_HASH_ANNOTATION]: bundle.sha256 },
    },
    data: { [bundle.fileName]: bundle.code },
  };
}

/** The pod volume that projects the ConfigMap, files read-only for everyone (0444). */
export function codeVolume(volumeName: string, configMapName: string): Record<string, unknown> {
  return { name: volumeName, configMap: { name: configMapName, defaultMode: 0o444 } };
}

/** The container mount for `codeVolume`. */
export function codeVolumeMount(volumeName: string): Record<string, unknown> {
  return { name: volumeName, mountPath: CODE_MOUNT_PATH, readOnly: true };
}

/** `node <mounted file>`: the container command that runs the bundle. */
export function codeCommand(bundle: CodeBundle): string[] {
  return ["node", `${CODE_MOUNT_PATH}/${bundle.fileName}`];
}

/** Pod-template annotations that tie the pods to this exact bundle. */
export function codeAnnotations(bundle: CodeBundle): Record<string, string> {
  return { [CODE_HASH_ANNOTATION]: bundle.sha256 };
}
