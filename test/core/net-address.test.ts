import assert from "node:assert/strict";
import { test } from "node:test";
import { embeddedIPv4, isPublicAddress } from "../../core/net-address.ts";

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
