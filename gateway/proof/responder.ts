/**
 * The cluster's half of proof of address by challenge (see core/gateway-proof.ts): a tiny HTTP server, run in a member
 * cluster behind Traefik, that signs the gateway's nonce for its own cluster id and nothing else.
 *
 * - `GET /.well-known/skipper-gateway/<its id>?nonce=<32 bytes, base64url>` → 200, the signature (text/plain).
 * - The same path with any other method → 405; without a well-formed nonce (or with anything else in the query) → 400.
 * - `GET /healthz` → 200 `ok`, for the kubelet's probes.
 * - Everything else, other ids included → 404.
 * It reads no body, keeps no state, logs nothing per request, and holds the private key only in memory.
 */

import type { KeyObject } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { isNonce, PROOF_NONCE_PARAM, proofPath, signProof } from "../../core/gateway-proof.ts";

export interface ResponderOptions {
  /** The cluster id it answers for (dashed IP or name). */
  readonly clusterId: string;
  /** The Ed25519 private key whose public half the registration sends as `proofKey`. */
  readonly privateKey: KeyObject;
}

function answer(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    "content-type": "text/plain; charset=utf-8",
    "content-length": String(Buffer.byteLength(text)),
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    ...headers,
  });
  res.end(text);
}

/** The request handler (exported for servers that add their own limits). */
export function proofHandler(opts: ResponderOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const own = proofPath(opts.clusterId);
  return (req, res) => {
    const target = req.url ?? "";
    const q = target.indexOf("?");
    const path = q === -1 ? target : target.slice(0, q);
    const query = q === -1 ? "" : target.slice(q + 1);
    if (path === "/healthz") {
      if (req.method !== "GET" && req.method !== "HEAD") return answer(res, 405, "GET only\n", { allow: "GET, HEAD" });
      return answer(res, 200, "ok\n");
    }
    if (path !== own) return answer(res, 404, "not found\n");
    if (req.method !== "GET") return answer(res, 405, "GET only\n", { allow: "GET" });
    const params = new URLSearchParams(query);
    const nonce = params.get(PROOF_NONCE_PARAM);
    if ([...params.keys()].length !== 1 || !isNonce(nonce)) {
      return answer(res, 400, `expected ?${PROOF_NONCE_PARAM}=<32 bytes, base64url>\n`);
    }
    answer(res, 200, signProof(opts.privateKey, opts.clusterId, nonce));
  };
}

/** An HTTP server answering proof challenges, with small limits (it never reads a body). */
export function createResponder(opts: ResponderOptions): Server {
  const server = createServer(
    { maxHeaderSize: 8192, requestTimeout: 10_000, headersTimeout: 5_000 },
    proofHandler(opts),
  );
  server.keepAliveTimeout = 5_000;
  return server;
}
