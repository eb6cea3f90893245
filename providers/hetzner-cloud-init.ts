/**
 * The cloud-init user data of a Hetzner server: it installs an SSH host key the stack generated, and no other, so the
 * stack knows the key before the server first answers and pins it on every connection (no key is trusted on first
 * use). The private key is a secret: the user data is handed to Hetzner as a secret Output and never logged.
 *
 * Known limit: a server can read its own user data from Hetzner's metadata service (169.254.169.254), and so can
 * anything running on it, pods included. The pin stops anyone without access to the server from posing as it.
 */
import { stringify } from "yaml";

export interface HostKeyPair {
  /** OpenSSH private key (`-----BEGIN OPENSSH PRIVATE KEY-----`). */
  readonly privateKey: string;
  /** `ssh-ed25519 AAAA…` */
  readonly publicKey: string;
}

/** `#cloud-config` that replaces the image's host keys with `key` (ED25519) and generates none of its own. */
export function cloudInitUserData(key: HostKeyPair): string {
  const config = {
    // Remove whatever host keys the image carries and generate none: the one below is the only key sshd offers.
    ssh_deletekeys: true,
    ssh_genkeytypes: [],
    ssh_keys: {
      ed25519_private: key.privateKey.endsWith("\n") ? key.privateKey : `${key.privateKey}\n`,
      ed25519_public: key.publicKey.trim(),
    },
  };
  return `#cloud-config\n${stringify(config, { lineWidth: 0 })}`;
}
