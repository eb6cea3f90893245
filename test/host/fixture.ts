/**
 * Shared set-up for the host scenarios: a lab with its mirror, a cluster spec pointing the mirror switch at it, the
 * connection for a host, a generated cluster token, and the secret scan every scenario ends with.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import type { Cluster } from "../../core/model.ts";
import type { ClusterSpec, HostSpec, PreflightSpec } from "../../core/spec.ts";
import { validateCluster } from "../../core/validate/cluster.ts";
import { Lab, type TestHost } from "./lab.ts";
import { type Mirror, startMirror } from "./mirror.ts";
import type { Connection, StepResult } from "./ssh.ts";

export const VERSION = "v1.31.4+k3s1";
export const NEXT_VERSION = "v1.31.5+k3s1";

/** Thresholds any lab host meets (they run on this machine's memory and disk). */
export const LAB_PREFLIGHT: PreflightSpec = { minMemoryMiB: 256, minDiskGiB: 1 };

export interface Fixture {
  readonly lab: Lab;
  readonly mirror: Mirror;
  /** A fresh cluster token, as the component generates one. */
  readonly token: string;
  cluster(hosts: readonly HostSpec[], extra?: Partial<ClusterSpec>): Cluster;
  connection(host: TestHost, extra?: Partial<Connection>): Connection;
  close(): Promise<void>;
}

export async function makeFixture(): Promise<Fixture> {
  const lab = new Lab();
  let mirror: Mirror;
  try {
    mirror = await startMirror(lab.mirrorAddress);
  } catch (err) {
    await lab.close();
    throw err;
  }
  const token = randomBytes(24).toString("hex");
  return {
    lab,
    mirror,
    token,
    cluster: (hosts, extra = {}) =>
      validateCluster(
        {
          hosts,
          k3s: { version: VERSION, installScriptUrl: mirror.installScriptUrl, artifactUrl: mirror.artifactUrl },
          preflight: LAB_PREFLIGHT,
          ...extra,
        },
        "cluster",
      ),
    connection: (host, extra = {}) => ({
      host: host.address,
      privateKey: lab.privateKey,
      dialErrorLimit: 2,
      perDialTimeout: 5,
      ...extra,
    }),
    close: async () => {
      await mirror.close();
      await lab.close();
    },
  };
}

/** The token must appear in no command string, no output and no error text. */
export function assertNoSecret(token: string, texts: readonly string[], where: string): void {
  for (const [i, text] of texts.entries()) {
    assert.ok(!text.includes(token), `the cluster token leaked into ${where} #${i}`);
  }
}

/** Every text a run produced: command strings, stdout and stderr. */
export function runTexts(creates: readonly string[], results: readonly StepResult[]): string[] {
  return [...creates, ...results.flatMap((r) => [r.stdout, r.stderr])];
}
