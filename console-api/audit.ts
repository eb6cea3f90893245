/**
 * The audit log: every mutating action (and every login) as one entry, kept in the cluster in a ConfigMap
 * (`skipper-console-audit`, key `entries.jsonl`, the newest `MAX_ENTRIES` entries; a ConfigMap holds at most 1 MiB)
 * and written to stdout as a JSON line for whatever collects the pod's logs. Writes are queued one after another and
 * retried on a resourceVersion conflict.
 */
import type { CoreV1Api, V1ConfigMap } from "@kubernetes/client-node";
import type { AuditEntry } from "../core/console/api.ts";
import { LABEL_MANAGED_BY } from "../core/labels.ts";
import { kubeStatus } from "./kube/client.ts";
import { CONSOLE_MANAGER } from "./kube/cluster.ts";

export const AUDIT_CONFIGMAP = "skipper-console-audit";
const KEY = "entries.jsonl";
export const MAX_ENTRIES = 2000;
const MAX_BYTES = 900 * 1024;
const ATTEMPTS = 5;

export type AuditInput = Omit<AuditEntry, "time">;

export class AuditLog {
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly core: CoreV1Api,
    private readonly namespace: string,
    private readonly print: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
    private readonly warn: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  ) {}

  private async read(): Promise<{ entries: string[]; map: V1ConfigMap | undefined }> {
    try {
      const map = await this.core.readNamespacedConfigMap({ name: AUDIT_CONFIGMAP, namespace: this.namespace });
      const text = map.data?.[KEY] ?? "";
      return { entries: text.split("\n").filter((l) => l !== ""), map };
    } catch (err) {
      if (kubeStatus(err) === 404) return { entries: [], map: undefined };
      throw err;
    }
  }

  private async append(line: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const { entries, map } = await this.read();
      entries.push(line);
      let kept = entries.slice(-MAX_ENTRIES);
      while (kept.length > 1 && Buffer.byteLength(kept.join("\n")) > MAX_BYTES)
        kept = kept.slice(Math.ceil(kept.length / 10));
      const data = { [KEY]: `${kept.join("\n")}\n` };
      try {
        if (map === undefined) {
          await this.core.createNamespacedConfigMap({
            namespace: this.namespace,
            body: { metadata: { name: AUDIT_CONFIGMAP, labels: { [LABEL_MANAGED_BY]: CONSOLE_MANAGER } }, data },
          });
        } else {
          await this.core.replaceNamespacedConfigMap({
            name: AUDIT_CONFIGMAP,
            namespace: this.namespace,
            body: { ...map, data },
          });
        }
        return;
      } catch (err) {
        const status = kubeStatus(err);
        if ((status === 409 || status === 404) && attempt < ATTEMPTS) continue;
        throw err;
      }
    }
  }

  /** Record an entry; resolves once it is stored (failures are reported on stderr, never thrown). */
  record(input: AuditInput): Promise<void> {
    const entry: AuditEntry = { time: new Date().toISOString(), ...input };
    const line = JSON.stringify(entry);
    this.print(`audit ${line}`);
    const write = this.queue.then(() =>
      this.append(line).catch((err: Error) => this.warn(`skipper console: audit log not stored: ${err.message}`)),
    );
    this.queue = write;
    return write;
  }

  /** Entries, newest first. */
  async entries(limit: number): Promise<AuditEntry[]> {
    await this.queue;
    const { entries } = await this.read();
    return entries
      .slice(-limit)
      .reverse()
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as AuditEntry];
        } catch {
          return [];
        }
      });
  }
}
