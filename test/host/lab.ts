/**
 * The test lab: throwaway Debian 12 "VPS"es made from the cached debootstrap rootfs (see prepare-rootfs.sh).
 *
 * Each host is an overlay of the shared rootfs (its own upper folder, so the cache is never written), in a network
 * namespace of its own with a veth pair to this machine (a /30 of 198.18.0.0/15, the benchmarking range, used only
 * here), its own host keys, root login by the run's key only, and Debian's OpenSSH server running chrooted as PID 1
 * of a private PID/mount/UTS namespace. The lab also owns one local address (on a veth pair of its own) that every host
 * routes to: the stand-in k3s mirror listens there.
 *
 * Needs root, iproute2, util-linux (unshare), openssh-client (ssh-keygen) and the rootfs: when something is missing
 * the lab throws with the fix, so the tests fail loudly instead of skipping.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOTFS = process.env["SKIPPER_ROOTFS"] ?? "/var/cache/skipper-test/rootfs-bookworm";
const HERE = dirname(fileURLToPath(import.meta.url));

function run(cmd: string, args: readonly string[], input?: string): string {
  return execFileSync(cmd, args, { encoding: "utf8", input, stdio: ["pipe", "pipe", "pipe"] });
}

function tryRun(cmd: string, args: readonly string[]): void {
  try {
    run(cmd, args);
  } catch {
    // best effort during cleanup
  }
}

/** Throw with a fix when this machine cannot host the lab. */
export function assertLabPrerequisites(): void {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push("run as root (network namespaces, mounts and chroot need it)");
  for (const [bin, pkg] of [
    ["ip", "iproute2"],
    ["unshare", "util-linux"],
    ["ssh-keygen", "openssh-client"],
    ["ssh-keyscan", "openssh-client"],
  ] as const) {
    try {
      run("sh", ["-c", `command -v ${bin}`]);
    } catch {
      missing.push(`${bin} is missing (apt-get install -y ${pkg})`);
    }
  }
  if (!existsSync(join(ROOTFS, ".skipper-rootfs")) || !existsSync(join(ROOTFS, "usr/sbin/sshd"))) {
    missing.push(`no Debian rootfs at ${ROOTFS} (run test/host/prepare-rootfs.sh as root; it needs debootstrap)`);
  }
  if (missing.length) throw new Error(`host test lab cannot start:\n  - ${missing.join("\n  - ")}`);
}

export interface HostOptions {
  /** Replace /etc/os-release before boot (unsupported-OS scenario). */
  readonly osRelease?: string;
  /** Create this non-root user with the run's key; `sudo: "nopasswd"` gives it passwordless sudo. */
  readonly user?: { readonly name: string; readonly sudo: "none" | "nopasswd" };
}

export interface TestHost {
  readonly index: number;
  readonly address: string;
  readonly netns: string;
  /** The host's filesystem as seen from here (the overlay's merged view). */
  readonly root: string;
  /** `ssh-ed25519 AAAA…` of the host's sshd. */
  readonly hostKey: string;
  /** Read a file of the host. */
  read(path: string): string;
  /** Run a command inside the host's network namespace (not over SSH; for test setup only). */
  spawnInNetns(cmd: string, args: readonly string[]): ChildProcess;
}

interface HostRecord extends TestHost {
  readonly dir: string;
  readonly veth: string;
  boot?: ChildProcess;
}

export class Lab {
  readonly id: string;
  readonly dir: string;
  readonly keyPath: string;
  readonly privateKey: string;
  readonly publicKey: string;
  /** Where the mirror must listen: an address every host routes to and nothing outside this machine reaches. */
  readonly mirrorAddress: string;
  private readonly octet: number;
  private readonly dummy: string;
  private readonly hosts: HostRecord[] = [];
  private readonly children: ChildProcess[] = [];

  constructor() {
    assertLabPrerequisites();
    sweepStaleLabs();
    this.id = String(process.pid);
    this.octet = this.freeOctet();
    this.dir = `/tmp/skipper-lab-${this.id}`;
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true });
    this.keyPath = join(this.dir, "id_ed25519");
    run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", `skipper-lab-${this.id}`, "-f", this.keyPath]);
    this.privateKey = readFileSync(this.keyPath, "utf8");
    this.publicKey = readFileSync(`${this.keyPath}.pub`, "utf8").trim();
    this.dummy = `skm${this.id}`.slice(0, 14);
    this.mirrorAddress = `198.18.${this.octet}.254`;
    // A veth pair kept on this side (the kernel here has no dummy interfaces); only its address matters.
    run("ip", ["link", "add", this.dummy, "type", "veth", "peer", "name", `${this.dummy}p`.slice(0, 15)]);
    run("ip", ["addr", "add", `${this.mirrorAddress}/32`, "dev", this.dummy]);
    run("ip", ["link", "set", this.dummy, "up"]);
  }

  /** A third octet in 198.18.x.0/24 that no interface on this machine uses yet (parallel test files). */
  private freeOctet(): number {
    const used = run("ip", ["-4", "-o", "addr"]);
    for (let i = 0; i < 250; i++) {
      const octet = (Number(this.id) + i) % 250;
      if (!used.includes(`198.18.${octet}.`)) return octet;
    }
    throw new Error("no free 198.18.x.0/24 block for the test lab");
  }

  /** Make and boot a fresh host; resolves once its sshd accepts TCP connections. */
  async addHost(opts: HostOptions = {}): Promise<TestHost> {
    const index = this.hosts.length;
    if (index >= 60) throw new Error("too many lab hosts");
    const address = `198.18.${this.octet}.${index * 4 + 2}`;
    const gateway = `198.18.${this.octet}.${index * 4 + 1}`;
    const netns = `skh-${this.id}-${index}`;
    const veth = `skv${this.id}x${index}`.slice(0, 15);
    const dir = join(this.dir, `host${index}`);
    const root = join(dir, "merged");
    for (const d of ["upper", "work", "merged"]) mkdirSync(join(dir, d), { recursive: true });
    run("mount", [
      "-t",
      "overlay",
      "overlay",
      "-o",
      `lowerdir=${ROOTFS},upperdir=${dir}/upper,workdir=${dir}/work`,
      root,
    ]);
    const host: HostRecord = {
      index,
      address,
      netns,
      root,
      dir,
      veth,
      hostKey: "",
      read: (path) => readFileSync(join(root, path), "utf8"),
      spawnInNetns: (cmd, args) => {
        const child = spawn("ip", ["netns", "exec", netns, cmd, ...args], { stdio: "ignore" });
        this.children.push(child);
        return child;
      },
    };
    this.hosts.push(host);

    // Host keys of its own, root login by the run's key only.
    run("ssh-keygen", ["-q", "-A", "-f", root]);
    (host as { hostKey: string }).hostKey = readFileSync(join(root, "etc/ssh/ssh_host_ed25519_key.pub"), "utf8")
      .trim()
      .split(/\s+/)
      .slice(0, 2)
      .join(" ");
    mkdirSync(join(root, "root/.ssh"), { recursive: true, mode: 0o700 });
    writeFileSync(join(root, "root/.ssh/authorized_keys"), `${this.publicKey}\n`, { mode: 0o600 });
    writeFileSync(
      join(root, "etc/ssh/sshd_config.d/skipper-lab.conf"),
      [
        `ListenAddress ${address}`,
        "PermitRootLogin prohibit-password",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "UsePAM no",
        "UseDNS no",
        "",
      ].join("\n"),
    );
    const name = `vps${index}`;
    writeFileSync(join(root, "etc/hostname"), `${name}\n`);
    writeFileSync(join(root, "etc/hosts"), `127.0.0.1 localhost\n127.0.1.1 ${name}\n`);
    if (opts.osRelease !== undefined) {
      rmSync(join(root, "etc/os-release"), { force: true });
      rmSync(join(root, "usr/lib/os-release"), { force: true });
      writeFileSync(join(root, "etc/os-release"), opts.osRelease);
    }
    if (opts.user) {
      const u = opts.user.name;
      run("chroot", [root, "useradd", "-m", "-s", "/bin/bash", u]);
      // A locked password would make sshd refuse the account; `*` means "no password login" but keys work.
      run("chroot", [root, "usermod", "-p", "*", u]);
      mkdirSync(join(root, `home/${u}/.ssh`), { recursive: true, mode: 0o700 });
      writeFileSync(join(root, `home/${u}/.ssh/authorized_keys`), `${this.publicKey}\n`, { mode: 0o600 });
      run("chroot", [root, "chown", "-R", `${u}:${u}`, `/home/${u}/.ssh`]);
      if (opts.user.sudo === "nopasswd") {
        writeFileSync(join(root, `etc/sudoers.d/${u}`), `${u} ALL=(ALL) NOPASSWD:ALL\n`, { mode: 0o440 });
      }
    }

    // Network: its own namespace, a /30 to this machine, and a route to the mirror address.
    run("ip", ["netns", "add", netns]);
    run("ip", ["link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", netns]);
    run("ip", ["addr", "add", `${gateway}/30`, "dev", veth]);
    run("ip", ["link", "set", veth, "up"]);
    run("ip", ["-n", netns, "link", "set", "lo", "up"]);
    run("ip", ["-n", netns, "addr", "add", `${address}/30`, "dev", "eth0"]);
    run("ip", ["-n", netns, "link", "set", "eth0", "up"]);
    run("ip", ["-n", netns, "route", "add", "default", "via", gateway]);

    const log = openSync(join(dir, "sshd.log"), "a");
    host.boot = spawn(
      "ip",
      [
        "netns",
        "exec",
        netns,
        "unshare",
        "--mount",
        "--uts",
        "--pid",
        "--fork",
        "--kill-child",
        join(HERE, "boot-host.sh"),
        root,
        name,
      ],
      { stdio: ["ignore", log, log] },
    );
    await waitForPort(address, 22, 10_000, () => readFileSync(join(dir, "sshd.log"), "utf8"));
    return host;
  }

  /** Stop a host's sshd and everything it started (its PID namespace ends with it). */
  async stopHost(host: TestHost): Promise<void> {
    const rec = this.hosts.find((h) => h.index === host.index);
    if (rec?.boot && rec.boot.exitCode === null && rec.boot.signalCode === null) {
      const exited = new Promise((resolve) => rec.boot!.once("exit", resolve));
      // unshare --fork ignores SIGTERM while it waits; SIGKILL ends it, --kill-child then kills sshd (PID 1 of the
      // host's PID namespace), and the kernel ends every other process of that namespace.
      rec.boot.kill("SIGKILL");
      await exited;
    }
  }

  /** Tear everything down: processes (by PID), mounts, interfaces, namespaces, folders. Safe to call twice. */
  async close(): Promise<void> {
    for (const child of this.children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    for (const host of this.hosts) await this.stopHost(host);
    for (const host of this.hosts) {
      tryRun("umount", [host.root]);
      if (existsSync(join(host.root, "etc"))) tryRun("umount", ["-l", host.root]);
      tryRun("ip", ["link", "del", host.veth]);
      tryRun("ip", ["netns", "del", host.netns]);
    }
    tryRun("ip", ["link", "del", this.dummy]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Remove what a lab of a test process that no longer exists left behind (mounts, namespaces, links, folders). */
function sweepStaleLabs(): void {
  const mounts = readFileSync("/proc/self/mounts", "utf8");
  for (const m of mounts.matchAll(/ (\/tmp\/skipper-lab-(\d+)\/host\d+\/merged) /g)) {
    if (!alive(Number(m[2]))) tryRun("umount", ["-l", m[1]!]);
  }
  for (const m of run("ip", ["netns", "list"]).matchAll(/^(skh-(\d+)-\d+)/gm)) {
    if (!alive(Number(m[2]))) tryRun("ip", ["netns", "del", m[1]!]);
  }
  for (const m of run("ip", ["-o", "link"]).matchAll(/^\d+: (sk[mv](\d+)[xp\d]*)[@:]/gm)) {
    if (!alive(Number(m[2]))) tryRun("ip", ["link", "del", m[1]!]);
  }
  for (const name of readdirSync("/tmp")) {
    const m = /^skipper-lab-(\d+)$/.exec(name);
    if (m && !alive(Number(m[1])) && !readFileSync("/proc/self/mounts", "utf8").includes(`/tmp/${name}/`)) {
      rmSync(`/tmp/${name}`, { recursive: true, force: true });
    }
  }
}

/** Resolve once something accepts TCP connections on host:port; throw after `ms`. */
export async function waitForPort(host: string, port: number, ms: number, log: () => string = () => ""): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host, port });
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline)
      throw new Error(`nothing listens on ${host}:${port} after ${ms} ms${log() ? `; log:\n${log()}` : ""}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
