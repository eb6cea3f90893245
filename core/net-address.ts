/**
 * Is an IP address one that a public, multi-tenant gateway may send traffic to? Shared by the gateway's control plane
 * (refuse to register such an address) and its data plane (refuse to dial one, defence in depth). Pure: it only
 * classifies strings.
 *
 * Non-public means loopback, private (RFC 1918, unique-local), link-local, carrier-grade NAT, documentation and
 * benchmarking ranges, multicast, "this network", broadcast and other special-purpose blocks (IANA special-purpose
 * registries). IPv6 forms that embed an IPv4 address (mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`)
 * are judged by the embedded address.
 */
import { BlockList, isIPv4, isIPv6 } from "node:net";

const V4_SPECIAL: ReadonlyArray<readonly [string, number]> = [
  ["0.0.0.0", 8], // "this network"
  ["10.0.0.0", 8], // private
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8], // loopback
  ["169.254.0.0", 16], // link-local (and cloud metadata services)
  ["172.16.0.0", 12], // private
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.0.2.0", 24], // documentation (TEST-NET-1)
  ["192.88.99.0", 24], // 6to4 relay anycast (deprecated)
  ["192.168.0.0", 16], // private
  ["198.18.0.0", 15], // benchmarking
  ["198.51.100.0", 24], // documentation (TEST-NET-2)
  ["203.0.113.0", 24], // documentation (TEST-NET-3)
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, and 255.255.255.255 broadcast
];

const V6_SPECIAL: ReadonlyArray<readonly [string, number]> = [
  ["::", 128], // unspecified
  ["::1", 128], // loopback
  ["100::", 64], // discard-only
  ["2001::", 23], // IETF protocol assignments (Teredo, ORCHID, ...)
  ["2001:db8::", 32], // documentation
  ["3fff::", 20], // documentation (2024)
  ["fc00::", 7], // unique-local
  ["fe80::", 10], // link-local
  ["fec0::", 10], // site-local (deprecated)
  ["ff00::", 8], // multicast
];

const v4Blocks = new BlockList();
for (const [net, prefix] of V4_SPECIAL) v4Blocks.addSubnet(net, prefix, "ipv4");
const v6Blocks = new BlockList();
for (const [net, prefix] of V6_SPECIAL) v6Blocks.addSubnet(net, prefix, "ipv6");

/** Expand an IPv6 literal to its 8 groups as numbers (a zone id dropped), or undefined when it is not one. */
export function ipv6Groups(ip: string): number[] | undefined {
  if (!isIPv6(ip)) return undefined;
  let text = ip.toLowerCase();
  const zone = text.indexOf("%");
  if (zone !== -1) text = text.slice(0, zone);
  // A trailing dotted quad stands for the last two groups.
  const lastColon = text.lastIndexOf(":");
  const tail = text.slice(lastColon + 1);
  if (tail.includes(".")) {
    const o = tail.split(".").map(Number);
    text = `${text.slice(0, lastColon + 1)}${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`;
  }
  const [head, rest] = text.split("::") as [string, string | undefined];
  const left = head ? head.split(":") : [];
  const right = rest === undefined ? [] : rest ? rest.split(":") : [];
  const fill = rest === undefined ? 0 : 8 - left.length - right.length;
  const groups = [...left, ...Array<string>(fill).fill("0"), ...right].map((g) => Number.parseInt(g, 16));
  return groups.length === 8 ? groups : undefined;
}

function v4FromGroups(hi: number, lo: number): string {
  return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
}

/** The IPv4 address an IPv6 address carries (mapped, NAT64 well-known prefix, 6to4), if any. */
export function embeddedIPv4(ip: string): string | undefined {
  const g = ipv6Groups(ip);
  if (!g) return undefined;
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 5) && g[5] === 0xffff) return v4FromGroups(g[6]!, g[7]!); // ::ffff:a.b.c.d
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return v4FromGroups(g[6]!, g[7]!); // 64:ff9b::/96
  if (g[0] === 0x2002) return v4FromGroups(g[1]!, g[2]!); // 6to4
  return undefined;
}

/** True when `ip` is a literal IPv4/IPv6 address on the public internet. Anything else (including non-IPs) is false. */
export function isPublicAddress(ip: string): boolean {
  if (isIPv4(ip)) return !v4Blocks.check(ip, "ipv4");
  if (!isIPv6(ip)) return false;
  if (ip.includes("%")) return false; // a zone id only makes sense for link-local addresses
  const v4 = embeddedIPv4(ip);
  if (v4 !== undefined) return isPublicAddress(v4);
  if (v6Blocks.check(ip, "ipv6")) return false;
  const first = ipv6Groups(ip)![0]!;
  return first >= 0x2000 && first <= 0x3fff; // only 2000::/3 is allocated global unicast
}

/** `::ffff:1.2.3.4` (how a dual-stack socket reports an IPv4 peer) → `1.2.3.4`; everything else unchanged. */
export function plainAddress(address: string | undefined): string {
  if (!address) return "";
  return address.startsWith("::ffff:") && isIPv4(address.slice(7)) ? address.slice(7) : address;
}

/**
 * One spelling per address, so two texts can be compared: IPv4 as is, IPv4-mapped IPv6 as its IPv4, other IPv6 as
 * eight lower-case hexadecimal groups without leading zeros (`2001:DB8::1` → `2001:db8:0:0:0:0:0:1`). Undefined for
 * text that is not an address.
 */
export function canonicalAddress(address: string): string | undefined {
  const plain = plainAddress(address);
  if (isIPv4(plain)) return plain;
  const groups = ipv6Groups(plain);
  if (!groups || plain.includes("%")) return undefined;
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  return mapped ? v4FromGroups(groups[6]!, groups[7]!) : groups.map((g) => g.toString(16)).join(":");
}

/** True when `a` and `b` are the same IP address, however each is spelled; false when either is not an address. */
export function sameAddress(a: string, b: string): boolean {
  const x = canonicalAddress(a);
  return x !== undefined && x === canonicalAddress(b);
}

/** The rule in words, for error messages. */
export const PUBLIC_ADDRESS_RULE =
  "must be a public IP address (not loopback, private, link-local, carrier-grade NAT, documentation, multicast or reserved)";
