/**
 * The crux of the registry: every change acknowledged over HTTP survives `kill -9` at any moment. Clients register,
 * move and release clusters continuously while the real gateway process is killed with SIGKILL and restarted at
 * random moments; at the end every acknowledged registration must be there with its token and address, and every
 * acknowledged release must stay released. An operation whose answer was lost to a kill is "in doubt": either
 * outcome is accepted for it, and the cluster is left alone from then on.
 */
import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import { tempDataPath } from "./registry-helpers.ts";
import { seededRandom } from "./seeded-random.ts";
import { call, type GatewayProcess, startGateway } from "./server-process.ts";

const KILLS = Number(process.env["SKIPPER_DURABILITY_KILLS"] ?? 50);
const WORKER_KILLS = Number(process.env["SKIPPER_DURABILITY_WORKER_KILLS"] ?? 10);
const CLIENTS = 6;
const ARGS = ["--allow-private", "--rate-limit", "1000000", "--rate-burst", "1000000"];

interface Known {
  readonly id: string;
  readonly token: string;
  /** Addresses the record may hold (more than one after a move in doubt). */
  readonly addresses: Set<string>;
  deleted: "no" | "yes" | "maybe";
  /** An operation on it is running, or one ended in doubt: no further changes. */
  busy: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function survivesKills(t: TestContext, kills: number, args: string[]): Promise<void> {
  const path = tempDataPath(t);
  let gw: GatewayProcess = await startGateway(t, path, args);
  const random = seededRandom(`durability (${kills} kills)`);
  const known: Known[] = [];
  const counts = { created: 0, moved: 0, deleted: 0, inDoubt: 0, refusedConnections: 0 };
  let running = true;
  let seq = 0;

  const withTimeout = <T>(p: Promise<T>) =>
    Promise.race([p, sleep(5000).then(() => Promise.reject(new Error("request timed out")))]);

  const client = async (n: number) => {
    while (running) {
      const port = gw.port;
      const roll = random.next();
      const target = roll < 0.7 ? undefined : random.pick(known.filter((k) => !k.busy && k.deleted === "no"));
      let undo = () => {};
      try {
        if (!target) {
          const id = `d${n}x${seq++}`;
          const ip = `127.0.0.${1 + (seq % 200)}`;
          const p = 8000 + (seq % 1000);
          const r = await withTimeout(
            call(port, "POST", "/v1/clusters", { body: { ip, port: p, name: id }, from: ip }),
          );
          assert.equal(r.status, 201, r.text);
          known.push({ id, token: r.json.token, addresses: new Set([`${ip}:${p}`]), deleted: "no", busy: false });
          counts.created++;
        } else if (roll < 0.85) {
          target.busy = true;
          const ip = `127.0.1.${random.below(250)}`;
          const p = 1 + random.below(65000);
          target.addresses.add(`${ip}:${p}`); // in doubt until acknowledged
          undo = () => target.addresses.delete(`${ip}:${p}`);
          const r = await withTimeout(
            call(port, "PUT", `/v1/clusters/${target.id}`, { body: { ip, port: p }, token: target.token, from: ip }),
          );
          assert.equal(r.status, 200, r.text);
          target.addresses.clear();
          target.addresses.add(`${ip}:${p}`);
          target.busy = false;
          counts.moved++;
        } else {
          target.busy = true;
          target.deleted = "maybe";
          undo = () => {
            target.deleted = "no";
          };
          const r = await withTimeout(call(port, "DELETE", `/v1/clusters/${target.id}`, { token: target.token }));
          assert.equal(r.status, 204, r.text);
          target.deleted = "yes";
          counts.deleted++;
        }
      } catch (err) {
        if (err instanceof assert.AssertionError) throw err;
        if ((err as NodeJS.ErrnoException).code === "ECONNREFUSED") {
          // Nobody was listening (a restart in progress): the request never arrived.
          counts.refusedConnections++;
          undo();
          if (target) target.busy = false;
        } else if (target) counts.inDoubt++; // killed while handling it: the outcome is in doubt
        await sleep(10);
      }
    }
  };

  const clients = Array.from({ length: CLIENTS }, (_, i) => client(i));
  const started = Date.now();
  for (let k = 0; k < kills; k++) {
    await sleep(20 + random.next() * 200);
    gw.child.kill("SIGKILL");
    await gw.exited;
    gw = await startGateway(t, path, args);
  }
  running = false;
  await Promise.all(clients);
  await sleep(50);

  // Check against the last process, without killing it.
  let checked = 0;
  for (const k of known) {
    const r = await call(gw.port, "GET", `/v1/clusters/${k.id}`, { token: k.token });
    if (k.deleted === "yes") {
      assert.equal(r.status, 404, `${k.id} was released (acknowledged) but is back`);
      continue;
    }
    if (k.deleted === "maybe" && r.status === 404) continue;
    assert.equal(r.status, 200, `${k.id}: acknowledged registration lost: ${r.text}`);
    assert.ok(
      k.addresses.has(`${r.json.ip}:${r.json.port}`),
      `${k.id}: address ${r.json.ip}:${r.json.port} not one of ${[...k.addresses]}`,
    );
    const beat = await call(gw.port, "POST", `/v1/clusters/${k.id}/heartbeat`, { token: k.token });
    assert.equal(beat.status, 200, `${k.id}: token no longer accepted`);
    checked++;
  }
  assert.ok(counts.created >= kills, `too few registrations to mean anything: ${JSON.stringify(counts)}`);
  t.diagnostic(
    `${kills} kills in ${((Date.now() - started) / 1000).toFixed(1)} s; ${JSON.stringify(counts)}; ${checked} live records verified`,
  );
  gw.child.kill("SIGTERM");
  assert.equal((await gw.exited).code, 0);
}

test(`every acknowledged change survives ${KILLS} kill -9 restarts`, { timeout: 240_000 }, (t) =>
  survivesKills(t, KILLS, ARGS),
);

test(
  `with --workers 2, every change acknowledged through a worker survives ${WORKER_KILLS} kill -9s of the primary`,
  { timeout: 120_000 },
  (t) => survivesKills(t, WORKER_KILLS, [...ARGS, "--workers", "2"]),
);
