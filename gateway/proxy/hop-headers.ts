/**
 * Hop-by-hop headers (RFC 9110 §7.6.1): they describe one connection, not the message, so a proxy removes them
 * before forwarding in either direction, together with every header the `Connection` header names.
 */

/** Lower-case names that never cross the proxy as they are. */
const HOP_BY_HOP: ReadonlySet<string> = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "http2-settings",
]);

/** True for a lower-case header name that is hop-by-hop on its own (not counting `Connection`-listed ones). */
export function isHopByHop(lowerName: string): boolean {
  return HOP_BY_HOP.has(lowerName) || lowerName.startsWith("proxy-");
}

/** The lower-case header names a `Connection` header value lists (`close`, `keep-alive`, `upgrade` included). */
export function connectionTokens(values: readonly string[]): Set<string> {
  const tokens = new Set<string>();
  for (const value of values) {
    for (const part of value.split(",")) {
      const token = part.trim().toLowerCase();
      if (token) tokens.add(token);
    }
  }
  return tokens;
}
