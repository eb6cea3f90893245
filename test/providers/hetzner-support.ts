/**
 * Mock answers for the Hetzner stack: what the hcloud and tls plugins would report once the resources exist. Server
 * addresses are derived from the server's name (so each server's address is its own and a test can tell them apart),
 * ids are numeric as Hetzner's are. In a preview these outputs are left out, so they are unknown as in a first
 * `pulumi preview`.
 */
import type * as pulumi from "@pulumi/pulumi";
import { defaultState, type StateFor } from "../../cli/synth/runtime.ts";

export const LB_ADDRESS = "198.51.100.200";
export const TOKEN = "hcloud-test-token-5b1e";

/** `acme-server-1` → 198.51.100.11, `acme-agent-2` → 198.51.100.32. */
export function serverAddress(serverName: string): string {
  const m = /-(server|agent)-(\d+)$/.exec(serverName);
  if (!m) throw new Error(`unexpected server name ${serverName}`);
  return `198.51.100.${(m[1] === "server" ? 10 : 30) + Number(m[2])}`;
}

/** A fake OpenSSH ED25519 public key per resource name (the blob is a valid ssh-ed25519 key layout). */
export function fakePublicKey(name: string): string {
  const type = Buffer.from("ssh-ed25519");
  const key = Buffer.alloc(32, name.length % 251);
  Buffer.from(name).copy(key, 0, 0, Math.min(32, name.length));
  const len = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  return `ssh-ed25519 ${Buffer.concat([len(type.length), type, len(key.length), key]).toString("base64")}\n`;
}

export function fakePrivateKey(name: string): string {
  return `-----BEGIN OPENSSH PRIVATE KEY-----\nFAKE-${name}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

/** Deployed state: addresses, numeric ids and keys. */
export const hetznerState: StateFor = (args: pulumi.runtime.MockResourceArgs) => {
  const inputs = args.inputs as Record<string, unknown>;
  switch (args.type) {
    case "hcloud:index/server:Server":
      return { ...inputs, ipv4Address: serverAddress(String(inputs["name"])) };
    case "hcloud:index/loadBalancer:LoadBalancer":
      return { ...inputs, ipv4: LB_ADDRESS };
    case "tls:index/privateKey:PrivateKey":
      return { ...inputs, publicKeyOpenssh: fakePublicKey(args.name), privateKeyOpenssh: fakePrivateKey(args.name) };
    default:
      return defaultState(args);
  }
};

/** Config of the example: the API token as a secret. */
export const HETZNER_CONFIG = { config: { "hcloud:token": TOKEN }, secretKeys: ["hcloud:token"] } as const;
