/**
 * TEST DOUBLE (part of the in-memory Kubernetes API, see index.ts): container logs. Each container of a pod keeps the
 * lines of its current run and of its previous run (what `previous=true` reads after a restart). Followers get new
 * lines as they are appended, and their stream ends when the container restarts or the pod goes away, as the
 * kubelet's does.
 */

export interface LogLine {
  readonly time: string;
  readonly text: string;
}

interface ContainerLog {
  current: LogLine[];
  previous: LogLine[] | undefined;
  readonly followers: Set<Follower>;
}

export interface Follower {
  line(line: LogLine): void;
  end(): void;
}

const key = (namespace: string, pod: string, container: string) => `${namespace}/${pod}/${container}`;

export class Logs {
  private readonly containers = new Map<string, ContainerLog>();

  private entry(namespace: string, pod: string, container: string): ContainerLog {
    const k = key(namespace, pod, container);
    let e = this.containers.get(k);
    if (e === undefined) {
      e = { current: [], previous: undefined, followers: new Set() };
      this.containers.set(k, e);
    }
    return e;
  }

  append(namespace: string, pod: string, container: string, text: string, time = new Date()): void {
    const e = this.entry(namespace, pod, container);
    for (const part of text.split("\n")) {
      const line = { time: time.toISOString(), text: part };
      e.current.push(line);
      for (const f of e.followers) f.line(line);
    }
  }

  /** The container restarted: its lines become the previous run's, and followers' streams end. */
  restart(namespace: string, pod: string, container: string): void {
    const e = this.entry(namespace, pod, container);
    e.previous = e.current;
    e.current = [];
    this.endFollowers(e);
  }

  hasPrevious(namespace: string, pod: string, container: string): boolean {
    return this.containers.get(key(namespace, pod, container))?.previous !== undefined;
  }

  read(namespace: string, pod: string, container: string, previous: boolean, tail?: number, since?: Date): LogLine[] {
    const e = this.containers.get(key(namespace, pod, container));
    const all = (previous ? e?.previous : e?.current) ?? [];
    const from = since?.toISOString();
    const lines = from === undefined ? all : all.filter((l) => l.time >= from);
    return tail === undefined ? [...lines] : tail <= 0 ? [] : lines.slice(-tail);
  }

  follow(namespace: string, pod: string, container: string, follower: Follower): () => void {
    const e = this.entry(namespace, pod, container);
    e.followers.add(follower);
    return () => e.followers.delete(follower);
  }

  /** The pod was deleted: end every stream of its containers and forget their lines. */
  dropPod(namespace: string, pod: string): void {
    const prefix = `${namespace}/${pod}/`;
    for (const [k, e] of this.containers) {
      if (!k.startsWith(prefix)) continue;
      this.endFollowers(e);
      this.containers.delete(k);
    }
  }

  private endFollowers(e: ContainerLog): void {
    const followers = [...e.followers];
    e.followers.clear();
    for (const f of followers) f.end();
  }
}
