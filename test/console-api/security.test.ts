import assert from "node:assert/strict";
import { test } from "node:test";
import { SignJWT } from "jose";
import { generateSigningKey, TokenIssuer } from "../../console-api/auth/tokens.ts";
import { SAMPLES } from "./route-samples.ts";
import { PASSWORD, startConsole } from "./support.ts";

const ISSUER = "skipper-console";
const AUDIENCE = "skipper-console:c1";

test("the samples cover every route the console-api registers", async (t) => {
  const h = await startConsole(t);
  const registered = h.app.console.routes.map((r) => `${r.method} ${r.url}`).sort();
  const sampled = SAMPLES.map((s) => `${s.method} ${s.route}`).sort();
  assert.deepEqual(sampled, registered);
});

test("every route but login, refresh, logout and healthz answers 401 without a token, also with a cookie", async (t) => {
  const h = await startConsole(t);
  await h.addUser("ada@example.com", "admin");
  const { cookie } = await h.login("ada@example.com");
  for (const s of SAMPLES.filter((x) => !x.public)) {
    const variants: Record<string, string>[] = [
      {},
      { cookie },
      { authorization: "Bearer" },
      { authorization: "Basic YWRhOnB3" },
    ];
    for (const headers of variants) {
      const r = await h.call(s.method, s.path, { headers, ...(s.body !== undefined && { body: s.body }) });
      assert.equal(r.status, 401, `${s.method} ${s.path} with ${JSON.stringify(Object.keys(headers))}: ${r.text}`);
      assert.equal(typeof r.json.error, "string");
    }
  }
  assert.equal((await h.call("GET", "/healthz")).status, 200);
  // Unknown API paths are 401 too: nothing about the API is told to a stranger.
  assert.equal((await h.call("GET", "/api/v1/secret-admin-thing")).status, 401);
});

test("expired, tampered, wrong-key, alg none and HS256-with-public-key tokens are 401", async (t) => {
  const h = await startConsole(t);
  await h.addUser("ada@example.com", "admin");
  const { token } = await h.login("ada@example.com");
  const family = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()).fam as string;
  const ok = await h.call("GET", "/api/v1/me", { token });
  assert.equal(ok.status, 200);

  const sign = (claims: { exp?: number; iat?: number }, key = h.key) =>
    new SignJWT({ fam: family })
      .setProtectedHeader({ alg: key.alg, typ: "at+jwt" })
      .setSubject("ada@example.com")
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(claims.iat ?? Math.floor(Date.now() / 1000))
      .setExpirationTime(claims.exp ?? Math.floor(Date.now() / 1000) + 60)
      .sign(key.privateKey);
  const now = Math.floor(Date.now() / 1000);
  // Sanity: a token made here the same way is accepted, so the refusals below are about the one thing changed.
  assert.equal((await h.call("GET", "/api/v1/me", { token: await sign({}) })).status, 200);

  const [header, payload, signature] = token.split(".") as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const other = generateSigningKey();
  const bad: Record<string, string> = {
    expired: await sign({ iat: now - 3600, exp: now - 600 }),
    "issued in the future with a long life": await sign({ iat: now + 3600, exp: now + 7200 }),
    "other audience": await new TokenIssuer(h.key, { issuer: ISSUER, audience: "skipper-console:c2" })
      .issue({
        email: "ada@example.com",
        family,
      })
      .then((x) => x.token),
    "tampered payload": `${header}.${b64({ ...claims, sub: "root@example.com" })}.${signature}`,
    "tampered signature": `${header}.${payload}.${signature.slice(0, -4)}${signature.slice(-4) === "AAAA" ? "BBBB" : "AAAA"}`,
    "wrong key": await sign({}, other),
    "alg none": `${b64({ alg: "none", typ: "at+jwt" })}.${payload}.`,
    "HS256 with the public key": await new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256", typ: "at+jwt" })
      .sign(new Uint8Array(h.key.publicKey.export({ format: "der", type: "spki" }))),
    garbage: "a.b.c",
  };
  for (const [what, t2] of Object.entries(bad)) {
    const r = await h.call("GET", "/api/v1/me", { token: t2 });
    assert.equal(r.status, 401, `${what}: ${r.text}`);
  }
});

test("a viewer cannot change anything; a deployer cannot manage users or projects", async (t) => {
  const h = await startConsole(t);
  await h.addUser("admin@example.com", "admin");
  await h.addUser("vic@example.com", "viewer", ["shop"]);
  await h.addUser("dee@example.com", "deployer", ["shop"]);
  const viewer = (await h.login("vic@example.com")).token;
  const deployer = (await h.login("dee@example.com")).token;
  const before = JSON.stringify(h.kube.list("apps/v1", "Deployment", "shop").map((d) => d["spec"]));
  const mutations = SAMPLES.filter((s) => s.method !== "GET" && !s.public);
  for (const s of mutations) {
    const r = await h.call(s.method, s.path, { token: viewer, ...(s.body !== undefined && { body: s.body }) });
    assert.equal(r.status, 403, `viewer ${s.method} ${s.path}: ${r.text}`);
  }
  const creds = await h.call("GET", "/api/v1/projects/shop/services/db/credentials", { token: viewer });
  assert.equal(creds.status, 403);
  for (const path of ["/api/v1/users", "/api/v1/audit", "/metrics"]) {
    assert.equal((await h.call("GET", path, { token: viewer })).status, 403, path);
    assert.equal((await h.call("GET", path, { token: deployer })).status, 403, path);
  }
  for (const s of mutations.filter(
    (m) => m.path.startsWith("/api/v1/users") || m.route === "/api/v1/projects" || m.route.endsWith("/members"),
  )) {
    const r = await h.call(s.method, s.path, { token: deployer, ...(s.body !== undefined && { body: s.body }) });
    assert.equal(r.status, 403, `deployer ${s.method} ${s.path}: ${r.text}`);
  }
  assert.equal(JSON.stringify(h.kube.list("apps/v1", "Deployment", "shop").map((d) => d["spec"])), before);
  assert.equal(h.kube.get("v1", "Namespace", undefined, "fresh"), undefined);
  const denied = h.printed.filter((l) => l.includes('"action":"service.credentials"'));
  assert.equal(denied.length, 1, "the refused credentials read is audited");
  assert.match(denied[0]!, /"outcome":"denied"/);
});

test("a member of project A cannot see project B: 404 everywhere, and B is absent from lists", async (t) => {
  const h = await startConsole(t);
  await h.addUser("dee@example.com", "deployer", ["shop"]);
  const { token } = await h.login("dee@example.com");
  for (const path of [
    "/api/v1/projects/blog/apps",
    "/api/v1/projects/blog/apps/site",
    "/api/v1/projects/blog/services",
    "/api/v1/projects/blog/services/pg",
    "/api/v1/projects/blog/services/pg/credentials",
    "/api/v1/projects/blog/members",
    "/api/v1/projects/nothing/apps",
    "/api/v1/projects/kube-system/apps",
    "/api/v1/projects/skipper-console/apps",
  ]) {
    const r = await h.call("GET", path, { token });
    assert.equal(r.status, 404, `${path}: ${r.text}`);
  }
  for (const [method, path, body] of [
    ["POST", "/api/v1/projects/blog/apps/site/restart", undefined],
    ["PUT", "/api/v1/projects/blog/apps/site/scale", { replicas: 0 }],
  ] as const) {
    assert.equal((await h.call(method, path, { token, ...(body && { body }) })).status, 404, path);
  }
  // The same answer for a project that exists and one that does not.
  const exists = await h.call("GET", "/api/v1/projects/blog/apps", { token });
  const missing = await h.call("GET", "/api/v1/projects/nothing/apps", { token });
  assert.equal(exists.text.replace("blog", "X"), missing.text.replace("nothing", "X"));
  for (const path of ["/api/v1/me", "/api/v1/projects", "/api/v1/routes", "/api/v1/dashboard"]) {
    const r = await h.call("GET", path, { token });
    assert.equal(r.status, 200, path);
    assert.ok(
      !r.text.includes("blog") && !r.text.includes('"site"') && !r.text.includes("pg"),
      `${path} leaks project blog: ${r.text}`,
    );
  }
});

test("refresh rotates the cookie; presenting a spent one revokes the whole family and its access tokens", async (t) => {
  const h = await startConsole(t);
  await h.addUser("ada@example.com", "admin");
  const first = await h.login("ada@example.com");
  const refresh = (cookie: string) => h.call("POST", "/api/v1/auth/refresh", { headers: { cookie } });
  const r1 = await refresh(first.cookie);
  assert.equal(r1.status, 200, r1.text);
  const second = (r1.headers.get("set-cookie") ?? "").split(";")[0]!;
  assert.notEqual(second, first.cookie);
  const token2 = r1.json.accessToken as string;
  assert.equal((await h.call("GET", "/api/v1/me", { token: token2 })).status, 200);
  // An attacker replays the first (spent) cookie.
  const replay = await refresh(first.cookie);
  assert.equal(replay.status, 401);
  // The family is gone: the legitimate cookie and every access token of the session stop working.
  assert.equal((await refresh(second)).status, 401);
  assert.equal((await h.call("GET", "/api/v1/me", { token: token2 })).status, 401);
  assert.equal((await h.call("GET", "/api/v1/me", { token: first.token })).status, 401);
  assert.ok(
    h.printed.some((l) => l.includes('"action":"session.reuse"')),
    "the reuse is audited",
  );
  // Another session of the same user is untouched.
  const other = await h.login("ada@example.com");
  assert.equal((await h.call("GET", "/api/v1/me", { token: other.token })).status, 200);
  // Logout ends that session too.
  assert.equal((await h.call("POST", "/api/v1/auth/logout", { headers: { cookie: other.cookie } })).status, 204);
  assert.equal((await h.call("GET", "/api/v1/me", { token: other.token })).status, 401);
  assert.equal((await refresh(other.cookie)).status, 401);
  assert.equal((await refresh("skipper_refresh=made-up")).status, 401);
});

test("the login limit trips per account and per client, with Retry-After, before any password is checked", async (t) => {
  const h = await startConsole(t, {
    loginLimits: { accountFailures: 3, accountWindowSeconds: 600, clientAttempts: 8, clientWindowSeconds: 60 },
  });
  await h.addUser("ada@example.com", "admin");
  const login = (email: string, password: string) =>
    h.call("POST", "/api/v1/auth/login", { body: { email, password } });
  for (let i = 0; i < 3; i++) assert.equal((await login("ada@example.com", "wrong-password!")).status, 401);
  const limited = await login("ada@example.com", PASSWORD);
  assert.equal(limited.status, 429, "even the right password waits once the account is limited");
  const retry = Number(limited.headers.get("retry-after"));
  assert.ok(retry > 0 && retry <= 600, `Retry-After ${retry}`);
  assert.match(limited.json.error, /too many login attempts for this account/);
  // The client has made 4 attempts; 4 more on other accounts, then the client limit.
  for (let i = 0; i < 4; i++) assert.equal((await login(`x${i}@example.com`, "whatever-whatever")).status, 401);
  const client = await login("new@example.com", "whatever-whatever");
  assert.equal(client.status, 429);
  assert.match(client.json.error, /your address/);
  assert.ok(Number(client.headers.get("retry-after")) > 0);
});

test("no response carries a password hash, another user's token or a secret the caller may not see", async (t) => {
  const h = await startConsole(t);
  await h.addUser("admin@example.com", "admin");
  await h.addUser("vic@example.com", "viewer", ["shop"]);
  await h.addUser("dee@example.com", "deployer", ["shop"]);
  const sessions = {
    admin: await h.login("admin@example.com"),
    viewer: await h.login("vic@example.com"),
    deployer: await h.login("dee@example.com"),
  };
  const tokenParts = (s: { token: string; cookie: string }) => [
    s.token,
    s.token.split(".")[2]!,
    s.cookie.split("=")[1]!,
  ];
  for (const [who, own] of Object.entries(sessions)) {
    const others = Object.entries(sessions)
      .filter(([w]) => w !== who)
      .flatMap(([, s]) => tokenParts(s));
    const forbidden = ["$argon2", PASSWORD, ...others];
    if (who !== "admin") forbidden.push("blog-pg-secret-pw");
    if (who === "viewer") forbidden.push("shop-db-secret-pw");
    for (const s of SAMPLES.filter((x) => x.method === "GET" && !x.websocket)) {
      const r = await h.call("GET", s.path, { token: own.token });
      for (const f of forbidden) assert.ok(!r.text.includes(f), `${who} GET ${s.path} carries ${f.slice(0, 12)}…`);
      assert.ok(!r.text.includes("    at "), `${who} GET ${s.path} carries a stack trace`);
    }
  }
  // Creating a user with a given password never echoes it; a generated one is shown once.
  const made = await h.call("POST", "/api/v1/users", {
    token: sessions.admin.token,
    body: { email: "new@example.com", role: "viewer", password: "a-long-chosen-password" },
  });
  assert.equal(made.status, 201);
  assert.ok(!made.text.includes("a-long-chosen-password") && !made.text.includes("$argon2"));
  assert.equal(made.json.password, undefined);
  const generated = await h.call("POST", "/api/v1/users", {
    token: sessions.admin.token,
    body: { email: "gen@example.com", role: "viewer" },
  });
  assert.equal(typeof generated.json.password, "string");
  assert.ok(generated.json.password.length >= 20);
  const list = await h.call("GET", "/api/v1/users", { token: sessions.admin.token });
  assert.ok(!list.text.includes(generated.json.password) && !list.text.includes("$argon2"));
  // The generated password works, once set.
  const loggedIn = await h.call("POST", "/api/v1/auth/login", {
    body: { email: "gen@example.com", password: generated.json.password },
  });
  assert.equal(loggedIn.status, 200);
});

test("malformed and oversized bodies are 400 and 413 with a JSON error and no stack trace", async (t) => {
  const h = await startConsole(t);
  await h.addUser("ada@example.com", "admin");
  const { token } = await h.login("ada@example.com");
  const cases: [string, string | undefined, unknown, number][] = [
    ["/api/v1/auth/login", "{not json", undefined, 400],
    ["/api/v1/auth/login", undefined, { email: "a@b.c" }, 400],
    ["/api/v1/auth/login", undefined, { email: "a@b.c", password: "x".repeat(300) }, 400],
    ["/api/v1/auth/login", `{"email":"${"a".repeat(70_000)}","password":"x"}`, undefined, 413],
    ["/api/v1/projects", undefined, { name: "Bad_Name" }, 400],
    ["/api/v1/projects", undefined, { name: "ok", extra: 1 }, 400],
    ["/api/v1/users", undefined, { email: "not-an-email", role: "viewer" }, 400],
    ["/api/v1/users", undefined, { email: "a@b.c", role: "root" }, 400],
    ["/api/v1/users", undefined, { email: "a@b.c", role: "viewer", password: "short" }, 400],
  ];
  for (const [path, raw, body, status] of cases) {
    const r = await h.call("POST", path, {
      token,
      ...(raw !== undefined && { raw, headers: { "content-type": "application/json" } }),
      ...(body !== undefined && { body }),
    });
    assert.equal(
      r.status,
      status,
      `${path} ${raw?.slice(0, 20) ?? JSON.stringify(body).slice(0, 40)}: ${r.text.slice(0, 200)}`,
    );
    assert.deepEqual(Object.keys(r.json), ["error"]);
    assert.ok(!r.text.includes(" at ") && !r.text.includes(".ts"), r.text);
  }
  const scale = await h.call("PUT", "/api/v1/projects/shop/apps/web/scale", { token, body: { replicas: -1 } });
  assert.equal(scale.status, 400);
  const param = await h.call("GET", "/api/v1/projects/..%2F..%2Fetc/apps", { token });
  assert.equal(param.status, 400);
});
