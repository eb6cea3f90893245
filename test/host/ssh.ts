/**
 * Run host steps over real SSH (the `ssh2` library) the way `@pulumi/command`'s `remote.Command` does: one SSH
 * connection per step, the step's `create` string executed as the remote command (no PTY, no environment), its stdin
 * written then closed, stdout/stderr captured, and on a non-zero exit an error of the form
 * `running "<command>": <output>` (the provider's form, which is why no secret may be in a command string).
 *
 * Dialling mirrors the provider's connection settings: at most `dialErrorLimit` attempts, each bounded by
 * `perDialTimeout` seconds, and with `hostKey` set, the server's key must equal it (checked during the handshake,
 * before authentication and before any command). Unlike the provider, an authentication or host-key failure is not
 * retried here: it cannot fix itself, and the tests assert it surfaces at once.
 */
import { Client, type ConnectConfig } from "ssh2";
import { hostKeyMatches, parseHostKey } from "../../core/k3s/hostkey.ts";
import { type HostStep, stepStdin } from "../../core/k3s/steps.ts";

export interface Connection {
  readonly host: string;
  readonly port?: number;
  readonly user?: string;
  readonly privateKey: string;
  /** Pinned host key `ssh-ed25519 AAAA…`. @default unset: any key is accepted (the provider's default) */
  readonly hostKey?: string;
  /** @default 10 */
  readonly dialErrorLimit?: number;
  /** Seconds per attempt. @default 15 */
  readonly perDialTimeout?: number;
}

export interface StepResult {
  readonly step: string;
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** `skipper: changed …` lines. */
  readonly changes: readonly string[];
  readonly dialMs: number;
  readonly runMs: number;
}

export class StepFailed extends Error {
  constructor(
    message: string,
    readonly result: StepResult,
  ) {
    super(message);
    this.name = "StepFailed";
  }
}

/** Counts what went over the wire, for the round-trip figures. */
export interface Traffic {
  connections: number;
  commands: number;
}

const RETRYABLE =
  /ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|ECONNRESET|Timed out while waiting for handshake|Connection lost before handshake/;

function dialOnce(conn: Connection): Promise<Client> {
  const client = new Client();
  let mismatch: string | undefined;
  const config: ConnectConfig = {
    host: conn.host,
    port: conn.port ?? 22,
    username: conn.user ?? "root",
    privateKey: conn.privateKey,
    readyTimeout: (conn.perDialTimeout ?? 15) * 1000,
    keepaliveInterval: 0,
  };
  if (conn.hostKey) {
    const pinned = parseHostKey(conn.hostKey);
    config.algorithms = { serverHostKey: [pinned.type as "ssh-ed25519"] };
    config.hostVerifier = (key: Buffer) => {
      const ok = hostKeyMatches(conn.hostKey!, key);
      if (!ok) mismatch = Buffer.from(key).toString("base64");
      return ok;
    };
  }
  return new Promise((resolve, reject) => {
    client.once("ready", () => resolve(client));
    // `on`, not `once`: ssh2 may emit a second error (e.g. "Connection lost") after a timeout; only the first counts.
    let settled = false;
    client.on("error", (err: Error & { level?: string }) => {
      if (settled) return;
      settled = true;
      client.destroy();
      if (mismatch !== undefined) {
        reject(
          new Error(
            `ssh ${conn.host}:${conn.port ?? 22}: host key mismatch: the host presented ${parseHostKey(conn.hostKey!).type} ` +
              `${mismatch.slice(0, 24)}… but the pinned hostKey is ${conn.hostKey!.slice(0, 40)}…; refusing to connect (no command ran). ` +
              "Fix: if the host was rebuilt, fetch its new key with `kip hostkey <address>` and update hostKey; otherwise do not connect",
          ),
        );
      } else if (err.level === "client-authentication") {
        reject(
          new Error(
            `ssh ${conn.host}:${conn.port ?? 22}: the host refused the SSH key for user ${conn.user ?? "root"}. ` +
              `Fix: add the matching public key to ~${conn.user ?? "root"}/.ssh/authorized_keys on the host, or configure the right private key`,
          ),
        );
      } else reject(err);
    });
    client.connect(config);
  });
}

/** Dial like the provider: bounded attempts, bounded time each; auth and host-key failures are final. */
export async function dial(conn: Connection, traffic?: Traffic): Promise<Client> {
  const limit = conn.dialErrorLimit ?? 10;
  let last: Error | undefined;
  for (let attempt = 1; limit < 0 || attempt <= limit; attempt++) {
    if (traffic) traffic.connections++;
    try {
      return await dialOnce(conn);
    } catch (err) {
      last = err as Error;
      if (!RETRYABLE.test(last.message)) throw last;
      if (limit < 0 || attempt < limit) await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(
    `ssh ${conn.host}:${conn.port ?? 22}: could not connect after ${limit} attempt(s) of at most ${conn.perDialTimeout ?? 15} s ` +
      `(${last?.message}). Fix: check the address and port, that the host is up and sshd listens, and any firewall`,
  );
}

/** Execute one step on an open connection; resolves with the result, rejects with StepFailed on a non-zero exit. */
export function exec(client: Client, step: HostStep, stdin: string | undefined, dialMs = 0): Promise<StepResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    client.exec(step.create, (err, channel) => {
      if (err) return reject(err);
      let stdout = "";
      let stderr = "";
      const timer = setTimeout(() => {
        channel.close();
        reject(new Error(`step ${step.name} timed out after ${step.timeoutSeconds} s`));
      }, step.timeoutSeconds * 1000);
      channel.on("data", (d: Buffer) => {
        stdout += d.toString("utf8");
      });
      channel.stderr.on("data", (d: Buffer) => {
        stderr += d.toString("utf8");
      });
      channel.on("close", (code: number | null) => {
        clearTimeout(timer);
        const result: StepResult = {
          step: step.name,
          code: code ?? -1,
          stdout,
          stderr,
          changes: stdout.split("\n").filter((l) => l.startsWith("skipper: changed ")),
          dialMs,
          runMs: Date.now() - started,
        };
        if (result.code === 0) resolve(result);
        else reject(new StepFailed(`running ${JSON.stringify(step.create)}: ${stdout}${stderr}`, result));
      });
      if (stdin !== undefined) channel.end(stdin);
      else channel.end();
    });
  });
}

/** Run one step as `remote.Command` does: dial, exec with the step's stdin, disconnect. */
export async function runStep(conn: Connection, step: HostStep, token: string, traffic?: Traffic): Promise<StepResult> {
  const t0 = Date.now();
  const client = await dial(conn, traffic);
  const dialMs = Date.now() - t0;
  try {
    if (traffic) traffic.commands++;
    return await exec(client, step, stepStdin(step, token), dialMs);
  } finally {
    close(client);
  }
}

/**
 * End a connection, and drop it if the server does not close its side soon: a socket left waiting for a host that
 * went away (FIN never acknowledged) would keep the test process alive.
 */
export function close(client: Client): void {
  client.end();
  setTimeout(() => client.destroy(), 1000).unref();
}

/** Run steps in order, stopping at the first failure (as the engine does for dependent commands). */
export async function runSteps(
  conn: Connection,
  steps: readonly HostStep[],
  token: string,
  traffic?: Traffic,
): Promise<StepResult[]> {
  const results: StepResult[] = [];
  for (const step of steps) results.push(await runStep(conn, step, token, traffic));
  return results;
}

/** One line per step for the test output: name, dial and run time, what changed. */
export function timingTable(label: string, results: readonly StepResult[]): string {
  const rows = results.map(
    (r) =>
      `  ${r.step.padEnd(16)} dial ${String(r.dialMs).padStart(4)} ms  run ${String(r.runMs).padStart(5)} ms  changes ${r.changes.length}`,
  );
  const total = results.reduce((s, r) => s + r.dialMs + r.runMs, 0);
  return `${label}\n${rows.join("\n")}\n  total ${total} ms over ${results.length} SSH connection(s)`;
}

/** Print a multi-line text as test diagnostics, one line each (the reporters escape newlines). */
export function diagnose(t: { diagnostic(message: string): void }, text: string): void {
  for (const line of text.split("\n")) t.diagnostic(line);
}
