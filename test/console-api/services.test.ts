// Services: the apps bound to each service come from the StatefulSet's `skipper.run/bound-apps` annotation (written by
// the stack's renderer), in the list and in the detail; absent when not recorded; what is not an app name is dropped.
import assert from "node:assert/strict";
import { test } from "node:test";
import { PASSWORD, seed, startConsole, statefulSet } from "./support.ts";

test("bound apps: from the annotation, sorted; [] when the stack binds none; absent when not recorded; junk dropped", async (t) => {
  const h = await startConsole(t, {
    objects: [
      ...seed(),
      statefulSet("shop", "cache", { boundApps: "" }),
      // Written by hand with kubectl: duplicates, blanks, upper case, a path and markup are not app names.
      statefulSet("shop", "queue", { boundApps: " worker ,web,,web,Web,../etc,<b>x</b>,a-b" }),
    ],
  });
  await h.addUser("ada@example.com", "admin");
  await h.addUser("vic@example.com", "viewer", ["shop"]);
  const { token } = await h.login("ada@example.com", PASSWORD);

  const shop = await h.call("GET", "/api/v1/projects/shop/services", { token });
  assert.equal(shop.status, 200, shop.text);
  assert.deepEqual(
    shop.json.services.map((s: { name: string; boundApps?: string[] }) => [s.name, s.boundApps]),
    [
      ["cache", []],
      ["db", ["web", "worker"]],
      ["queue", ["a-b", "web", "worker"]],
    ],
  );
  const db = await h.call("GET", "/api/v1/projects/shop/services/db", { token });
  assert.deepEqual(db.json.boundApps, ["web", "worker"]);

  const blog = await h.call("GET", "/api/v1/projects/blog/services", { token });
  assert.equal(blog.json.services.length, 1);
  assert.equal("boundApps" in blog.json.services[0], false, "no annotation: not reported");
  const pg = await h.call("GET", "/api/v1/projects/blog/services/pg", { token });
  assert.equal("boundApps" in pg.json, false);

  // A viewer of the project reads them too (they are names, not secrets).
  const viewer = await h.login("vic@example.com", PASSWORD);
  const seen = await h.call("GET", "/api/v1/projects/shop/services/db", { token: viewer.token });
  assert.deepEqual(seen.json.boundApps, ["web", "worker"]);
});
