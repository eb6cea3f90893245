/**
 * Messages between the primary process and the workers when the gateway runs on several cores (`--workers`).
 *
 * One writer: the primary owns the registry (store, rules, expiry, rate limits). Workers serve HTTP; they keep a
 * replica of the registry for the data plane's lookups, fed by the primary (the full state once, then every change
 * in order, over the same channel, so nothing falls between the two), and send every control-plane operation to the
 * primary, which decides and answers after the change is durable. For /metrics a worker asks the primary, which
 * gathers every worker's figures through prom-client's own messages (AggregatorRegistry) and adds its own.
 */
import type { ClusterRecord, RegistryOp } from "../registry/record.ts";
import type { Caller, ControlOperations, Outcome } from "./outcome.ts";
import type { RateDecision } from "./rate-limit.ts";

export type OperationName = keyof ControlOperations;

export type WorkerMessage =
  | { readonly t: "hello" }
  | { readonly t: "listening"; readonly port: number }
  | { readonly t: "call"; readonly id: number; readonly op: OperationName; readonly args: unknown[] }
  | { readonly t: "rate"; readonly id: number; readonly address: string }
  | { readonly t: "metrics"; readonly id: number };

export type PrimaryMessage =
  | { readonly t: "state"; readonly records: ClusterRecord[] }
  | { readonly t: "op"; readonly op: RegistryOp }
  | { readonly t: "result"; readonly id: number; readonly value: unknown }
  | { readonly t: "drain" };

interface Channel {
  send(message: WorkerMessage): unknown;
  on(event: "message", listener: (message: PrimaryMessage) => void): unknown;
}

/** The worker's side: asks the primary and waits for the answer. */
export class PrimaryLink {
  private next = 1;
  private readonly pending = new Map<number, (value: unknown) => void>();
  private readonly channel: Channel;

  constructor(channel: Channel, onMessage: (message: PrimaryMessage) => void) {
    this.channel = channel;
    channel.on("message", (m) => {
      if (m.t === "result") {
        const resolve = this.pending.get(m.id);
        this.pending.delete(m.id);
        resolve?.(m.value);
      } else onMessage(m);
    });
  }

  send(message: WorkerMessage): void {
    this.channel.send(message);
  }

  private ask<T>(build: (id: number) => WorkerMessage): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve) => {
      this.pending.set(id, resolve as (v: unknown) => void);
      this.channel.send(build(id));
    });
  }

  /** Control-plane operations carried out by the primary. */
  readonly operations: ControlOperations = {
    register: (body: unknown, caller: Caller) => this.call("register", [body, caller]),
    move: (id: string, body: unknown, caller: Caller) => this.call("move", [id, body, caller]),
    heartbeat: (id: string, caller: Caller) => this.call("heartbeat", [id, caller]),
    remove: (id: string, caller: Caller) => this.call("remove", [id, caller]),
    show: (id: string, caller: Caller) => this.call("show", [id, caller]),
  };

  private call(op: OperationName, args: unknown[]): Promise<Outcome> {
    return this.ask<Outcome>((id) => ({ t: "call", id, op, args }));
  }

  readonly limiter = {
    take: (address: string): Promise<RateDecision> => this.ask<RateDecision>((id) => ({ t: "rate", id, address })),
  };

  metrics(): Promise<string> {
    return this.ask<string>((id) => ({ t: "metrics", id }));
  }
}

/** Run operation `op` with `args` against the primary's rules (the args came over IPC: check their shape). */
export function runOperation(ops: ControlOperations, op: OperationName, args: unknown[]): Promise<Outcome> {
  const caller = args.at(-1) as Caller;
  const id = String(args[0]);
  switch (op) {
    case "register":
      return ops.register(args[0], caller);
    case "move":
      return ops.move(id, args[1], caller);
    case "heartbeat":
      return ops.heartbeat(id, caller);
    case "remove":
      return ops.remove(id, caller);
    case "show":
      return ops.show(id, caller);
  }
}
