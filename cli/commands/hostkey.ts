/**
 * `kip hostkey <address> [--port N] [--all] [--json]`: fetch a host's SSH host key with `ssh-keyscan` and print it in
 * the form `hosts[i].hostKey` takes, so the stack can pin it (a different key is then refused before any command
 * runs). `ssh-keyscan` trusts whatever answers on first contact, so the fingerprint goes to stderr for comparing with
 * the one the host's console shows (`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`).
 */
import { execFile } from "node:child_process";
import type { Command } from "commander";
import {
  formatHostKey,
  hostKeyFingerprint,
  type KeyscanEntry,
  parseKeyscan,
  pickHostKey,
} from "../../core/k3s/hostkey.ts";

interface HostkeyFlags {
  readonly port: string;
  readonly timeout: string;
  readonly all?: boolean;
  readonly json?: boolean;
}

/** Run `ssh-keyscan` against `address:port` and return the keys it printed. Throws with a fix when none came back. */
export function fetchHostKeys(address: string, port = 22, timeoutSeconds = 5): Promise<KeyscanEntry[]> {
  const args = ["-T", String(timeoutSeconds), "-p", String(port), "-t", "ed25519,ecdsa,rsa", address];
  return new Promise((resolve, reject) => {
    execFile("ssh-keyscan", args, { timeout: (timeoutSeconds + 5) * 1000 }, (err, stdout) => {
      if (err && (err as NodeJS.ErrnoException).code === "ENOENT") {
        return reject(
          new Error("ssh-keyscan not found. Fix: install OpenSSH's client (apt-get install openssh-client)"),
        );
      }
      const entries = parseKeyscan(stdout);
      if (entries.length === 0) {
        return reject(
          new Error(
            `no SSH host key from ${address}:${port} within ${timeoutSeconds} s. Fix: check the address and --port, that the host is up and sshd listens`,
          ),
        );
      }
      resolve(entries);
    });
  });
}

export function register(program: Command): void {
  program
    .command("hostkey")
    .description("fetch a host's SSH host key (ssh-keyscan) and print it in the form hosts[].hostKey takes")
    .argument("<address>", "IP address or DNS name of the host")
    .option("-p, --port <port>", "SSH port", "22")
    .option("-t, --timeout <seconds>", "give up after this many seconds", "5")
    .option("--all", "print every key the host offers, not only the one to pin")
    .option("--json", "print JSON: { address, port, hostKey, fingerprint, keys }")
    .action(async (address: string, flags: HostkeyFlags) => {
      const port = Number(flags.port);
      if (!Number.isInteger(port) || port < 1 || port > 65535)
        throw new Error(`--port must be 1-65535 (got ${flags.port})`);
      const entries = await fetchHostKeys(address, port, Number(flags.timeout) || 5);
      const chosen = pickHostKey(entries)!;
      const keys = entries.map((e) => ({ hostKey: formatHostKey(e), fingerprint: hostKeyFingerprint(e) }));
      if (flags.json) {
        const out = { address, port, hostKey: formatHostKey(chosen), fingerprint: hostKeyFingerprint(chosen), keys };
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
        return;
      }
      const lines = flags.all ? keys.map((k) => k.hostKey) : [formatHostKey(chosen)];
      process.stdout.write(`${lines.join("\n")}\n`);
      process.stderr.write(
        `# ${hostKeyFingerprint(chosen)} — compare with \`ssh-keygen -lf /etc/ssh/ssh_host_${chosen.type.replace(/^ssh-|-sha2-nistp\d+$/g, "")}_key.pub\` on the host's console,\n` +
          `# then pin it: hosts: [{ address: "${address}", hostKey: "<the line above>" }]\n`,
      );
    });
}
