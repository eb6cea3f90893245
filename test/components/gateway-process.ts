/**
 * Test helpers around a real gateway process run from its bundle (the file the ConfigMap carries), listening on
 * loopback, and a plain HTTP client that can set the Host header (fetch cannot).
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { request } from "node:http";

export interface RunningGateway {
  readonly child: ChildProcessWithoutNullStreams;
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** Everything the process printed so far. */
  output(): string;
  /** SIGTERM, and resolve with the exit code (SIGKILL after 5 s). */
  stop(): Promise<number | null>;
}

/** Run `node <file> ...args` with `env` and wait (10 s at most) for the gateway's ready line. */
export function startGatewayProcess(
  file: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<RunningGateway> {
  const child = spawn(process.execPath, [file, ...args], { env: { PATH: process.env["PATH"], ...env }, stdio: "pipe" });
  let out = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`gateway not ready within 10 s: ${out}`));
    }, 10_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /ready: http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, origin: `http://127.0.0.1:${m[1]}`, output: () => out, stop });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code}: ${out}`));
    });
  });
}

export interface HttpResult {
  readonly status: number;
  readonly body: string;
}

/** One HTTP request with exactly these headers. */
export function httpRequest(
  method: string,
  url: string,
  headers: Record<string, string>,
  body?: string,
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        text += c;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}
