import assert from "node:assert/strict";
import { test } from "node:test";
import {
  canonicalAddress,
  embeddedIPv4,
  ipv6Groups,
  isPublicAddress,
  plainAddress,
  sameAddress,
} from "../../core/net-address.ts";

test("public IPv4 and IPv6 addresses are public", () => {
  for (const ip of ["8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2001:4860:4860::8888", "::ffff:8.8.8.8"]) {
    assert.equal(isPublicAddress(ip), true, ip);
  }
});

test("loopback, private, link-local, CGNAT, documentation, multicast and reserved addresses are not", () => {
  const blocked = [
    "127.0.0.1",
    "127.255.255.254",
    "10.1.2.3",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "100.64.0.1",
    "169.254.169.254",
    "0.0.0.0",
    "255.255.255.255",
    "224.0.0.1",
    "240.0.0.1",
    "192.0.2.1",
    "198.51.100.7",
    "203.0.113.10",
    "198.18.0.1",
    "::",
    "::1",
    "fe80::1",
    "fe80::1%eth0",
    "fc00::1",
    "fd12:3456::1",
    "ff02::1",
    "2001:db8::1",
    "::ffff:127.0.0.1",
    "::ffff:7f00:1",
    "::ffff:10.0.0.1",
    "64:ff9b::7f00:1",
    "2002:7f00:1::",
  ];
  for (const ip of blocked) assert.equal(isPublicAddress(ip), false, ip);
});

test("anything that is not an IP literal is not public", () => {
  for (const s of ["", "localhost", "example.com", "1.2.3", "1.2.3.4.5", "256.1.1.1", "0x7f.0.0.1", "[::1]"]) {
    assert.equal(isPublicAddress(s), false, s);
  }
});

test("embedded IPv4 addresses are extracted from mapped, NAT64 and 6to4 forms", () => {
  assert.equal(embeddedIPv4("::ffff:1.2.3.4"), "1.2.3.4");
  assert.equal(embeddedIPv4("64:ff9b::0102:0304"), "1.2.3.4");
  assert.equal(embeddedIPv4("2002:0102:0304::1"), "1.2.3.4");
  assert.equal(embeddedIPv4("2001:4860::1"), undefined);
});

test("one spelling per address: mapped IPv4 is IPv4, IPv6 groups are expanded, non-addresses have none", () => {
  assert.equal(plainAddress("::ffff:1.2.3.4"), "1.2.3.4");
  assert.equal(plainAddress("::ffff:abcd"), "::ffff:abcd");
  assert.equal(plainAddress(undefined), "");
  assert.equal(canonicalAddress("2001:DB8::1"), "2001:db8:0:0:0:0:0:1");
  assert.equal(canonicalAddress("::ffff:7f00:1"), "127.0.0.1");
  assert.equal(canonicalAddress("fe80::1%eth0"), undefined);
  assert.equal(canonicalAddress("example.com"), undefined);
  assert.deepEqual(ipv6Groups("1:2::7.8.9.10"), [1, 2, 0, 0, 0, 0, 0x708, 0x90a]);
});

test("sameAddress compares addresses, not texts", () => {
  const same: Array<[string, string]> = [
    ["203.0.113.5", "203.0.113.5"],
    ["::ffff:203.0.113.5", "203.0.113.5"],
    ["2001:db8::1", "2001:0DB8:0:0:0:0:0:0001"],
    ["2001:db8:0:0:1::", "2001:db8::1:0:0:0"],
  ];
  for (const [a, b] of same) assert.equal(sameAddress(a, b), true, `${a} = ${b}`);
  const different: Array<[string, string]> = [
    ["203.0.113.5", "203.0.113.6"],
    ["2001:db8::1", "2001:db8::2"],
    ["", ""],
    ["localhost", "localhost"],
    ["203.0.113.5", "203.0.113.5 "],
  ];
  for (const [a, b] of different) assert.equal(sameAddress(a, b), false, `${a} ≠ ${b}`);
});
