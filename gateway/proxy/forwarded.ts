/**
 * Who the client is, and the `X-Forwarded-*` headers the gateway sends upstream. A client's own forwarding headers
 * are believed only when the TCP peer is a trusted proxy (e.g. the TLS terminator in front of the gateway).
 */

/** The values the gateway sends upstream as X-Forwarded-For / -Proto / -Host. */
export interface ForwardedValues {
  readonly forwardedFor: string;
  readonly proto: string;
  readonly host: string;
}

/** What a request told us about earlier hops (only consulted for trusted peers). */
export interface ClientForwarding {
  forwardedFor?: string;
  proto?: string;
  host?: string;
}

/**
 * Work out the forwarded values. `peer` is the socket's remote address (already normalised), `encrypted` whether the
 * socket itself is TLS, `host` the request's Host header, `claimed` what the client sent, `trusted` whether the peer
 * is a trusted proxy.
 */
export function forwardedValues(
  peer: string,
  encrypted: boolean,
  host: string,
  claimed: ClientForwarding,
  trusted: boolean,
): ForwardedValues {
  const ownProto = encrypted ? "https" : "http";
  if (!trusted) return { forwardedFor: peer, proto: ownProto, host };
  const earlier = claimed.forwardedFor?.trim();
  return {
    forwardedFor: earlier ? `${earlier}, ${peer}` : peer,
    proto: claimed.proto === "https" || claimed.proto === "http" ? claimed.proto : ownProto,
    host: claimed.host?.trim() || host,
  };
}
