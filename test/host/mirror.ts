/**
 * The lab's k3s mirror: a small HTTP server laid out like the k3s GitHub releases page (`<base>/<version>/k3s`,
 * `<base>/<version>/sha256sum-amd64.txt`) plus the install script, which is what the stack's mirror switch
 * (`k3s.artifactUrl`, `k3s.installScriptUrl`) points at. What it serves is the stand-in k3s from `standin/` (the only
 * test double; see the headers of those files). It listens on the lab's own address, reachable only from the lab hosts.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const STANDIN = join(dirname(fileURLToPath(import.meta.url)), "standin");

export interface Mirror {
  /** For `k3s.installScriptUrl`. */
  readonly installScriptUrl: string;
  /** For `k3s.artifactUrl`. */
  readonly artifactUrl: string;
  /** Every path requested, in order. */
  readonly requests: string[];
  /** Serve wrong checksums from now on (checksum scenario). */
  corruptChecksums: boolean;
  /** Answer 503 for the install script from now on (a network failure after the binary was fetched). */
  installerDown: boolean;
  close(): Promise<void>;
}

/** The stand-in k3s binary for `version`. */
export function standinK3s(version: string): string {
  return readFileSync(join(STANDIN, "k3s.sh"), "utf8").replaceAll("@VERSION@", version);
}

export async function startMirror(address: string): Promise<Mirror> {
  const requests: string[] = [];
  const state = { corrupt: false, installerDown: false };
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://mirror").pathname;
    requests.push(path);
    const send = (status: number, body: string) => {
      res.writeHead(status, { "content-type": "application/octet-stream", "content-length": Buffer.byteLength(body) });
      res.end(body);
    };
    if (path === "/get-k3s.sh" && state.installerDown) return send(503, "unavailable\n");
    if (path === "/get-k3s.sh") return send(200, readFileSync(join(STANDIN, "install.sh"), "utf8"));
    const m = /^\/k3s\/([^/]+)\/(k3s|sha256sum-amd64\.txt)$/.exec(path);
    if (!m) return send(404, "not found\n");
    const version = decodeURIComponent(m[1]!);
    if (!/^v\d+\.\d+\.\d+(-rc\d+)?\+k3s\d+$/.test(version)) return send(404, "no such release\n");
    const binary = standinK3s(version);
    if (m[2] === "k3s") return send(200, binary);
    const sum = createHash("sha256")
      .update(state.corrupt ? `${binary}tampered` : binary)
      .digest("hex");
    // Laid out like a release's file: several artifacts, ours among them (a loose match would pick a wrong line).
    const other = (name: string) => `${createHash("sha256").update(name).digest("hex")}  ${name}\n`;
    return send(
      200,
      `${other("k3s-airgap-images-amd64.tar")}${sum}  k3s\n${other("k3s-airgap-images-amd64.tar.zst")}${other("k3s-images.txt")}`,
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, address, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const base = `http://${address}:${port}`;
  return {
    installScriptUrl: `${base}/get-k3s.sh`,
    artifactUrl: `${base}/k3s`,
    requests,
    get corruptChecksums() {
      return state.corrupt;
    },
    set corruptChecksums(v: boolean) {
      state.corrupt = v;
    },
    get installerDown() {
      return state.installerDown;
    },
    set installerDown(v: boolean) {
      state.installerDown = v;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
