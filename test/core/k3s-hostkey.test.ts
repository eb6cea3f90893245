import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  formatHostKey,
  hostKeyFingerprint,
  hostKeyMatches,
  hostKeyProblem,
  parseHostKey,
  parseKeyscan,
  pickHostKey,
} from "../../core/k3s/hostkey.ts";

/** An SSH wire-format blob: length-prefixed strings. */
function blob(...parts: Buffer[]): Buffer {
  return Buffer.concat(
    parts.flatMap((p) => [Buffer.from([0, 0, 0, 0].map((_, i) => (p.length >>> (8 * (3 - i))) & 0xff)), p]),
  );
}
function ed25519Line(): string {
  const raw = generateKeyPairSync("ed25519").publicKey.export({ format: "der", type: "spki" }).subarray(-32);
  return `ssh-ed25519 ${blob(Buffer.from("ssh-ed25519"), raw).toString("base64")}`;
}

describe("host keys", () => {
  it("parses, formats and matches a key (property over fresh ed25519 keys)", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 20 }).filter((s) => !/\s/.test(s)),
        (comment) => {
          const line = ed25519Line();
          const key = parseHostKey(`${line} ${comment}`);
          assert.equal(formatHostKey(key), line);
          assert.ok(hostKeyMatches(line, Buffer.from(key.key, "base64")));
          assert.ok(!hostKeyMatches(line, Buffer.from(parseHostKey(ed25519Line()).key, "base64")));
        },
      ),
      { numRuns: 30 },
    );
  });

  it("reads ssh-keyscan output, skipping comments, and picks ed25519 first", () => {
    const ed = ed25519Line();
    const rsa = `ssh-rsa ${blob(Buffer.from("ssh-rsa"), Buffer.from([1, 0, 1]), Buffer.alloc(64, 7)).toString("base64")}`;
    const out = `# 198.18.0.2:22 SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\n[198.18.0.2]:2222 ${rsa}\n[198.18.0.2]:2222 ${ed}\n\n`;
    const entries = parseKeyscan(out);
    assert.deepEqual(
      entries.map((e) => [e.host, e.type]),
      [
        ["[198.18.0.2]:2222", "ssh-rsa"],
        ["[198.18.0.2]:2222", "ssh-ed25519"],
      ],
    );
    assert.equal(formatHostKey(pickHostKey(entries)!), ed);
    assert.equal(pickHostKey([]), undefined);
  });

  it("explains what is wrong with a bad key", () => {
    assert.match(hostKeyProblem("ssh-ed25519")!, /ssh-keyscan/);
    assert.match(hostKeyProblem("ssh-dss AAAAB3NzaC1kc3M=")!, /key type 'ssh-dss'/);
    assert.match(hostKeyProblem("ssh-ed25519 !!!")!, /not base64/);
    assert.match(hostKeyProblem(ed25519Line().replace("ssh-ed25519", "ecdsa-sha2-nistp256"))!, /says 'ssh-ed25519'/);
    assert.equal(hostKeyProblem(ed25519Line()), undefined);
    assert.throws(() => parseHostKey("nope"), /host key must be/);
  });

  it("prints the OpenSSH SHA256 fingerprint form", () => {
    const fp = hostKeyFingerprint(parseHostKey(ed25519Line()));
    assert.match(fp, /^SHA256:[A-Za-z0-9+/]{43}$/);
  });
});
