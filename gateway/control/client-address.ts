/**
 * Who is calling: the TCP peer's address, unless the peer is a trusted proxy (`--trusted-proxy <cidr>`), in which
 * case the nearest untrusted address in `X-Forwarded-For` (read from the right, skipping trusted hops). A client that
 * is not a trusted proxy cannot change its address by sending the header.
 */
import { BlockList, isIP, isIPv4 } from "node:net";
import { plainAddress } from "../../core/net-address.ts";

export class TrustedProxies {
  private readonly list = new BlockList();
  readonly cidrs: readonly string[];
  private readonly empty: boolean;

  /** Throws an error naming the bad entry when a CIDR (or bare address) cannot be parsed. */
  constructor(cidrs: readonly string[]) {
    this.cidrs = cidrs;
    this.empty = cidrs.length === 0;
    for (const cidr of cidrs) {
      const [addr = "", bits] = cidr.split("/");
      const family = isIPv4(addr) ? "ipv4" : isIP(addr) === 6 ? "ipv6" : undefined;
      const max = family === "ipv4" ? 32 : 128;
      const prefix = bits === undefined ? max : Number(bits);
      if (
        !family ||
        !Number.isInteger(prefix) ||
        prefix < 0 ||
        prefix > max ||
        (bits !== undefined && !/^\d+$/.test(bits))
      ) {
        throw new Error(
          `--trusted-proxy ${JSON.stringify(cidr)}: must be an address or CIDR such as 10.0.0.0/8 or 127.0.0.1/32`,
        );
      }
      this.list.addSubnet(addr, prefix, family);
    }
  }

  has(address: string): boolean {
    if (this.empty) return false;
    const family = isIPv4(address) ? "ipv4" : isIP(address) === 6 ? "ipv6" : undefined;
    return family !== undefined && this.list.check(address, family);
  }
}

/** The caller's address for `peer` (socket remote address) and the request's X-Forwarded-For value. */
export function clientAddress(
  peer: string | undefined,
  forwardedFor: string | string[] | undefined,
  trusted: TrustedProxies,
): string {
  let client = plainAddress(peer);
  if (!trusted.has(client) || forwardedFor === undefined) return client;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor).split(",");
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = plainAddress(hops[i]!.trim());
    if (isIP(hop) === 0) return client; // garbage: believe no further than the last good hop
    client = hop;
    if (!trusted.has(hop)) return hop;
  }
  return client;
}
