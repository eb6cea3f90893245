/**
 * The console's users, kept in the cluster in one Secret (`skipper-console-users`, key `users.json`) in the console's
 * namespace: email, role, projects, argon2id hash. Reads are cached for a moment; every change re-reads the Secret
 * and writes it back with its resourceVersion, retrying on a conflict, so two replicas (or two requests) never lose
 * each other's changes.
 */
import type { CoreV1Api, V1Secret } from "@kubernetes/client-node";
import type { Role } from "../../core/console/api.ts";
import { LABEL_MANAGED_BY } from "../../core/labels.ts";
import { kubeStatus } from "../kube/client.ts";
import { CONSOLE_MANAGER } from "../kube/cluster.ts";

export const USERS_SECRET = "skipper-console-users";
const KEY = "users.json";
const ATTEMPTS = 5;

export interface StoredUser {
  readonly email: string;
  readonly role: Role;
  readonly projects: readonly string[];
  readonly passwordHash: string;
  readonly createdAt: string;
}

interface Loaded {
  readonly users: StoredUser[];
  readonly secret: V1Secret | undefined;
}

export class UserStore {
  private cached: { at: number; users: Promise<StoredUser[]> } | undefined;

  constructor(
    private readonly core: CoreV1Api,
    private readonly namespace: string,
    private readonly ttlMs = 2000,
    private readonly now: () => number = Date.now,
  ) {}

  private async load(): Promise<Loaded> {
    let secret: V1Secret | undefined;
    try {
      secret = await this.core.readNamespacedSecret({ name: USERS_SECRET, namespace: this.namespace });
    } catch (err) {
      if (kubeStatus(err) !== 404) throw err;
    }
    const raw = secret?.data?.[KEY];
    if (raw === undefined) return { users: [], secret };
    const parsed = JSON.parse(Buffer.from(raw, "base64").toString("utf8")) as { users?: StoredUser[] };
    return { users: parsed.users ?? [], secret };
  }

  all(): Promise<StoredUser[]> {
    if (this.cached !== undefined && this.now() - this.cached.at < this.ttlMs) return this.cached.users;
    const users = this.load().then((l) => l.users);
    this.cached = { at: this.now(), users };
    users.catch(() => {
      this.cached = undefined;
    });
    return users;
  }

  async find(email: string): Promise<StoredUser | undefined> {
    const e = email.toLowerCase();
    return (await this.all()).find((u) => u.email === e);
  }

  /**
   * Apply `change` to the current users and store the result. `change` gets a copy and returns the new list plus a
   * result; it may throw to refuse. On a write conflict it runs again on the fresh list.
   */
  async update<T>(change: (users: StoredUser[]) => { users: StoredUser[]; result: T }): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const { users, secret } = await this.load();
      const next = change(users.map((u) => ({ ...u })));
      const data = { [KEY]: Buffer.from(JSON.stringify({ version: 1, users: next.users }), "utf8").toString("base64") };
      try {
        if (secret === undefined) {
          await this.core.createNamespacedSecret({
            namespace: this.namespace,
            body: {
              metadata: { name: USERS_SECRET, labels: { [LABEL_MANAGED_BY]: CONSOLE_MANAGER } },
              type: "Opaque",
              data,
            },
          });
        } else {
          await this.core.replaceNamespacedSecret({
            name: USERS_SECRET,
            namespace: this.namespace,
            body: { ...secret, data },
          });
        }
        this.cached = { at: this.now(), users: Promise.resolve(next.users) };
        return next.result;
      } catch (err) {
        const status = kubeStatus(err);
        if ((status === 409 || status === 404) && attempt < ATTEMPTS) continue;
        throw err;
      }
    }
  }
}
