/**
 * Test helpers: run the real gateway (`kip gateway serve`) as a child process on 127.0.0.1 and talk to it over real
 * HTTP. Node's fetch forbids setting Host, which the gateway routes on, so requests go through node:http.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { request } from "node:http";
import { dirname, join } from "node:path";
import type { TestContext } from "node:test";
import { fileURLToPath } from "node:url";

const KIP = join(dirname(fileURLToPath(import.meta.url)), "../../cli/bin/kip.js");
export const BASE = "gw.test";
export const ADMIN_TOKEN = "admin-token-for-tests-0123456789";

export interface GatewayProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** Everything the process wrote so far (stdout and stderr). */
  output(): string;
  /** Resolves with the exit code (or signal) once the process has ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The gateway's program as `kip` runs it; tests of the bundled form pass `["--import", "tsx", "gateway/main.ts"]`. */
export const KIP_SERVE: readonly string[] = [KIP, "gateway", "serve"];

/** Start a gateway with `--port 0` and wait for its ready line. Killed when the test ends. */
export async function startGateway(
  t: TestContext | undefined,
  dataPath: string,
  extra: string[] = [],
  program: readonly string[] = KIP_SERVE,
): Promise<GatewayProcess> {
  const args = [...program, "--port", "0", "--host", "127.0.0.1", "--base-domain", BASE, "--data", dataPath, ...extra];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  t?.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not get ready in 60 s:\n${out}`)), 60_000);
    const check = () => {
      const m = /skipper gateway ready: http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout!.off("data", check);
        resolve(Number(m[1]));
      }
    };
    child.stdout!.on("data", check);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited (${code ?? signal}) before it was ready:\n${out}`));
    });
  });
  return { child, port, output: () => out, exited };
}

export interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  // biome-ignore lint/suspicious/noExplicitAny: JSON bodies are checked field by field in the tests
  readonly json: any;
}

export interface CallOptions {
  readonly host?: string;
  readonly body?: unknown;
  /** Raw body text (sent as is, with JSON content type unless headers say otherwise). */
  readonly raw?: string;
  readonly token?: string;
  readonly headers?: Record<string, string>;
  /** The loopback address to send from (any 127.x.y.z): the source address the gateway sees. @default 127.0.0.1 */
  readonly from?: string;
}

/** One HTTP request on a fresh connection. */
export function call(port: number, method: string, path: string, opts: CallOptions = {}): Promise<Reply> {
  const body = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
  const headers: Record<string, string> = { host: opts.host ?? BASE, ...opts.headers };
  if (body !== undefined) {
    headers["content-type"] ??= "application/json";
    headers["content-length"] = String(Buffer.byteLength(body));
  }
  if (opts.token !== undefined) headers["authorization"] = `Bearer ${opts.token}`;
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", localAddress: opts.from, port, method, path, headers, agent: false },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => {
          text += d;
        });
        res.on("end", () => {
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}
