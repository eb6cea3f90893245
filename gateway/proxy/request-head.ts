/**
 * The request head the gateway writes to an upstream: the client's request line and headers, minus hop-by-hop
 * headers and untrusted forwarding claims, plus the gateway's own `X-Forwarded-*`. The original Host is kept as is.
 */

import type { ClientForwarding, ForwardedValues } from "./forwarded.ts";
import { connectionTokens, isHopByHop } from "./hop-headers.ts";

/** How the request body is framed towards the upstream. */
export type BodyFraming = "none" | "length" | "chunked";

/**
 * The origin-form target to send upstream, or undefined when the target is unusable. An absolute-form target
 * (`GET http://other.example/x HTTP/1.1`) keeps only its path and query: routing is by the Host header alone.
 */
export function originTarget(url: string): string | undefined {
  const first = url.charCodeAt(0);
  if (first === 47 /* / */) return url;
  if (url === "*") return url;
  const scheme = /^https?:\/\/[^/?#]*/i.exec(url);
  if (!scheme) return undefined;
  const rest = url.slice(scheme[0].length);
  if (rest === "") return "/";
  return rest.charCodeAt(0) === 47 ? rest : `/${rest}`;
}

/** What the client sent about forwarding, gathered from raw headers (only used when the peer is trusted). */
export function claimedForwarding(rawHeaders: readonly string[]): ClientForwarding {
  const claimed: ClientForwarding = {};
  const fors: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length < 15 || name.length > 17) continue;
    const lower = name.toLowerCase();
    if (lower === "x-forwarded-for") fors.push(rawHeaders[i + 1]!);
    else if (lower === "x-forwarded-proto") claimed.proto ??= rawHeaders[i + 1]!.trim().toLowerCase();
    else if (lower === "x-forwarded-host") claimed.host ??= rawHeaders[i + 1]!;
  }
  if (fors.length > 0) claimed.forwardedFor = fors.join(", ");
  return claimed;
}

/** Headers a client may only pass through a trusted proxy. */
function isForwardingClaim(lower: string): boolean {
  return lower.startsWith("x-forwarded-") || lower === "forwarded" || lower === "x-real-ip";
}

export interface RequestHeadInput {
  readonly method: string;
  readonly target: string;
  readonly rawHeaders: readonly string[];
  readonly forwarded: ForwardedValues;
  readonly trustedPeer: boolean;
  /** The request asks to switch protocols (WebSocket): keep `Upgrade` and send `Connection: upgrade`. */
  readonly upgrade: boolean;
}

export interface RequestHead {
  readonly head: string;
  readonly framing: BodyFraming;
}

/** Build the upstream request head (latin1 text ending in an empty line). */
export function buildRequestHead(input: RequestHeadInput): RequestHead {
  const { rawHeaders } = input;
  let listed: Set<string> | undefined;
  let framing: BodyFraming = "none";
  let upgradeValue: string | undefined;
  const lowers: string[] = new Array(rawHeaders.length >> 1);
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const lower = rawHeaders[i]!.toLowerCase();
    lowers[i >> 1] = lower;
    if (lower === "connection") {
      listed ??= new Set();
      for (const t of connectionTokens([rawHeaders[i + 1]!])) listed.add(t);
    } else if (lower === "transfer-encoding") framing = "chunked";
    else if (lower === "content-length" && framing === "none") framing = "length";
    else if (lower === "upgrade") upgradeValue = rawHeaders[i + 1];
  }
  let head = `${input.method} ${input.target} HTTP/1.1\r\n`;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    const lower = lowers[i >> 1]!;
    if (isHopByHop(lower) || lower === "expect") continue;
    if (listed?.has(lower)) continue;
    if (isForwardingClaim(lower)) {
      if (!input.trustedPeer) continue;
      if (lower === "x-forwarded-for" || lower === "x-forwarded-proto" || lower === "x-forwarded-host") continue;
    }
    if (lower === "content-length" && framing === "chunked") continue;
    head += `${name}: ${rawHeaders[i + 1]}\r\n`;
  }
  const f = input.forwarded;
  head += `X-Forwarded-For: ${f.forwardedFor}\r\nX-Forwarded-Proto: ${f.proto}\r\nX-Forwarded-Host: ${f.host}\r\n`;
  if (framing === "chunked") head += "Transfer-Encoding: chunked\r\n";
  if (input.upgrade && upgradeValue !== undefined) head += `Connection: upgrade\r\nUpgrade: ${upgradeValue}\r\n`;
  head += "\r\n";
  return { head, framing };
}
