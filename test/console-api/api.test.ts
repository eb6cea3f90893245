import assert from "node:assert/strict";
import { test } from "node:test";
import { GATEWAY, PASSWORD, STACK_FILE, startConsole } from "./support.ts";

test("login returns a short-lived token, the user and an HttpOnly SameSite=Strict refresh cookie scoped to /api/v1/auth", async (t) => {
  const h = await startConsole(t);
  await h.addUser("Admin@Example.com".toLowerCase(), "admin");
  const r = await h.call("POST", "/api/v1/auth/login", { body: { email: "ADMIN@example.com", password: PASSWORD } });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(Object.keys(r.json).sort(), ["accessToken", "expiresIn", "user"]);
  assert.deepEqual(r.json.user, { email: "admin@example.com", role: "admin" });
  assert.ok(r.json.expiresIn > 0 && r.json.expiresIn <= 900);
  const cookie = r.headers.get("set-cookie") ?? "";
  assert.match(cookie, /^skipper_refresh=[A-Za-z0-9_-]{40,};/);
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  assert.match(cookie, /Path=\/api\/v1\/auth/);
  // On loopback the cookie may go without Secure; the console-api in a cluster sets it (secureCookies).
  assert.doesNotMatch(cookie, /Secure/);

  const wrong = await h.call("POST", "/api/v1/auth/login", {
    body: { email: "admin@example.com", password: "nope-nope-nope" },
  });
  assert.equal(wrong.status, 401);
  assert.deepEqual(wrong.json, { error: "wrong email or password" });
  const nobody = await h.call("POST", "/api/v1/auth/login", {
    body: { email: "ghost@example.com", password: PASSWORD },
  });
  assert.equal(nobody.status, 401);
  assert.deepEqual(nobody.json, wrong.json, "an unknown account answers exactly like a wrong password");
});

test("me, projects, apps with declared vs current replicas, URLs and env names; services; routes with TLS state", async (t) => {
  const h = await startConsole(t);
  await h.addUser("ada@example.com", "admin");
  const { token } = await h.login("ada@example.com");

  const me = await h.call("GET", "/api/v1/me", { token });
  assert.deepEqual(me.json, { email: "ada@example.com", role: "admin", projects: ["blog", "shop"] });

  const projects = await h.call("GET", "/api/v1/projects", { token });
  assert.equal(projects.status, 200);
  assert.deepEqual(
    projects.json.projects.map((p: { name: string; apps: number; services: number; stackOwned: boolean }) => [
      p.name,
      p.apps,
      p.services,
      p.stackOwned,
    ]),
    [
      ["blog", 1, 1, true],
      ["shop", 3, 1, true],
    ],
  );

  const apps = await h.call("GET", "/api/v1/projects/shop/apps", { token });
  assert.equal(apps.status, 200, apps.text);
  const web = apps.json.apps.find((a: { name: string }) => a.name === "web");
  assert.deepEqual(web.replicas, { declared: 2, desired: 2, ready: 2 });
  assert.equal(web.state, "running");
  assert.equal(web.stackOwned, true);
  assert.equal(web.image, "registry.example/web:1.0");
  assert.deepEqual(web.urls, ["https://shop.example.com", `https://web-c1.${GATEWAY}`]);
  const manual = apps.json.apps.find((a: { name: string }) => a.name === "manual");
  assert.equal(manual.stackOwned, false);
  assert.equal(manual.replicas.declared, null);

  const detail = await h.call("GET", "/api/v1/projects/shop/apps/web", { token });
  assert.equal(detail.status, 200, detail.text);
  assert.deepEqual(detail.json.env, ["DATABASE_URL", "PORT"]);
  assert.equal(detail.json.pods.length, 2);
  assert.ok(detail.json.pods.every((p: { phase: string; ready: boolean }) => p.phase === "Running" && p.ready));
  assert.match(detail.json.notice, new RegExp(`${STACK_FILE}.*pulumi up`));
  assert.ok(!detail.text.includes("8080"), "env values are never sent");

  const services = await h.call("GET", "/api/v1/projects/shop/services", { token });
  assert.deepEqual(
    services.json.services.map((s: { name: string; engine: string; version: string }) => [s.name, s.engine, s.version]),
    [["db", "postgres", "16"]],
  );
  const db = await h.call("GET", "/api/v1/projects/shop/services/db", { token });
  assert.equal(db.json.host, "db.shop.svc.cluster.local");
  assert.equal(db.json.port, 5432);
  const creds = await h.call("GET", "/api/v1/projects/shop/services/db/credentials", { token });
  assert.equal(creds.status, 200);
  assert.equal(creds.json.password, "shop-db-secret-pw");
  assert.equal(creds.json.username, "app");

  const routes = await h.call("GET", "/api/v1/routes", { token });
  assert.equal(routes.status, 200, routes.text);
  assert.deepEqual(
    routes.json.routes.map((r: { host: string; app: string; tls: { state: string } }) => [r.host, r.app, r.tls.state]),
    [
      ["shop.example.com", "web", "pending"],
      [`web-c1.${GATEWAY}`, "web", "gateway"],
    ],
  );
});

test("restart rolls the pods; scale says it lasts until the next pulumi up; spec edits of stack-owned apps are refused naming the stack file", async (t) => {
  const h = await startConsole(t);
  await h.addUser("dee@example.com", "deployer", ["shop"]);
  const { token } = await h.login("dee@example.com");
  const podNames = () =>
    h.kube
      .list("v1", "Pod", "shop")
      .filter((p) => p.metadata.name.startsWith("web-"))
      .map((p) => p.metadata.name);
  const before = podNames();
  const restart = await h.call("POST", "/api/v1/projects/shop/apps/web/restart", { token });
  assert.equal(restart.status, 200, restart.text);
  assert.equal(restart.json.app, "web");
  await new Promise((r) => setImmediate(r));
  const after = podNames();
  assert.equal(after.length, 2);
  assert.ok(
    after.every((n) => !before.includes(n)),
    "every pod replaced",
  );

  const scale = await h.call("PUT", "/api/v1/projects/shop/apps/web/scale", { token, body: { replicas: 4 } });
  assert.equal(scale.status, 200, scale.text);
  assert.deepEqual(scale.json.replicas.declared, 2);
  assert.equal(scale.json.replicas.desired, 4);
  assert.match(scale.json.notice, /until the next `pulumi up`.*back to 2/);
  assert.equal(
    h.kube.get("apps/v1", "Deployment", "shop", "web")?.["spec"] &&
      (h.kube.get("apps/v1", "Deployment", "shop", "web")!["spec"] as { replicas: number }).replicas,
    4,
  );
  const tooMany = await h.call("PUT", "/api/v1/projects/shop/apps/web/scale", { token, body: { replicas: 1000 } });
  assert.equal(tooMany.status, 400);

  const edit = await h.call("PATCH", "/api/v1/projects/shop/apps/web", { token, body: { image: "evil:latest" } });
  assert.equal(edit.status, 409);
  assert.match(edit.json.error, new RegExp(`declared in ${STACK_FILE}`));
  const spec = h.kube.get("apps/v1", "Deployment", "shop", "web")!["spec"] as {
    template: { spec: { containers: { image: string }[] } };
  };
  assert.equal(spec.template.spec.containers[0]?.image, "registry.example/web:1.0");

  // An app the stack does not own may be changed: image and env merge into its container.
  const manual = await h.call("PATCH", "/api/v1/projects/shop/apps/manual", {
    token,
    body: { image: "registry.example/manual:2.0", env: { NEW: "1", PORT: null } },
  });
  assert.equal(manual.status, 200, manual.text);
  assert.equal(manual.json.image, "registry.example/manual:2.0");
  assert.deepEqual(manual.json.env, ["DATABASE_URL", "NEW"]);

  const audit = h.printed.map((l) => JSON.parse(l.replace(/^audit /, "")).action);
  assert.deepEqual(
    audit.filter((a: string) => a.startsWith("app.")),
    ["app.restart", "app.scale", "app.change", "app.change"],
  );
});
