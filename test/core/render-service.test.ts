import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CATALOGUE, credentialKeys, ENGINES } from "../../core/catalogue.ts";
import type { K8sObject } from "../../core/k8s.ts";
import { ANNOTATION_BOUND_APPS } from "../../core/labels.ts";
import type { Service, Stack } from "../../core/model.ts";
import {
  boundAppNames,
  connectionUrl,
  deriveServicePassword,
  K3S_STORAGE_CLASS,
  renderService,
  renderServiceCredentials,
} from "../../core/render/service.ts";
import type { StackSpec } from "../../core/spec.ts";
import { validateStack } from "../../core/validate/stack.ts";
import { EXAMPLE_SPEC } from "../support/example-stack.ts";

type Rec = Record<string, any>;

/** A stack with one service of every engine. */
const stack: Stack = validateStack({
  ...EXAMPLE_SPEC,
  services: Object.fromEntries(ENGINES.map((e) => [`${e}-svc`, { engine: e }])),
  apps: {},
} as StackSpec);
const svc = (engine: string): Service => stack.services.find((s) => s.engine === engine)!;
const kindOf = (objects: readonly K8sObject[], kind: string): Rec => objects.find((o) => o.kind === kind) as Rec;

describe("renderService", () => {
  for (const engine of ENGINES) {
    describe(engine, () => {
      const s = svc(engine);
      const objects = renderService(s, K3S_STORAGE_CLASS);
      const sts = kindOf(objects, "StatefulSet");
      const headless = kindOf(objects, "Service");
      const container = sts["spec"].template.spec.containers[0];

      it("renders a StatefulSet governed by a headless Service of the same name", () => {
        assert.deepEqual(
          objects.map((o) => o.kind),
          ["StatefulSet", "Service"],
        );
        assert.equal(sts["spec"].serviceName, s.name);
        assert.equal(headless["metadata"].name, s.name);
        assert.equal(headless["spec"].clusterIP, "None");
        assert.equal(headless["spec"].publishNotReadyAddresses, false);
        assert.deepEqual(headless["spec"].selector, sts["spec"].selector.matchLabels);
      });

      it("keeps the volume on delete and on scale-down", () => {
        assert.deepEqual(sts["spec"].persistentVolumeClaimRetentionPolicy, {
          whenDeleted: "Retain",
          whenScaled: "Retain",
        });
        const claim = sts["spec"].volumeClaimTemplates[0];
        assert.equal(claim.spec.resources.requests.storage, CATALOGUE[s.engine].defaultStorage);
        assert.deepEqual(claim.spec.accessModes, ["ReadWriteOnce"]);
        assert.equal(claim.metadata.labels["app.kubernetes.io/version"], undefined, "claim templates are immutable");
        assert.equal(container.volumeMounts[0].name, claim.metadata.name);
        assert.equal(container.volumeMounts[0].mountPath, CATALOGUE[s.engine].dataPath);
      });

      it("has an exec readiness probe from the catalogue and a TCP liveness probe on its named port", () => {
        assert.deepEqual(container.readinessProbe.exec.command, CATALOGUE[s.engine].readinessCommand);
        assert.equal(container.livenessProbe.tcpSocket.port, container.ports[0].name);
        assert.equal(headless["spec"].ports[0].targetPort, container.ports[0].name);
      });

      it("reads every credential from <svc>-credentials by secretKeyRef, with keys the Secret has", () => {
        const keys = new Set(credentialKeys(s.engine));
        const refs = (container.env as Rec[]).filter((e) => e.valueFrom);
        assert.ok(
          refs.some((e) => e.valueFrom.secretKeyRef.key === "PASSWORD"),
          "the password comes from the Secret",
        );
        for (const e of refs) {
          assert.equal(e.valueFrom.secretKeyRef.name, `${s.name}-credentials`);
          assert.ok(keys.has(e.valueFrom.secretKeyRef.key), `${e.name} reads ${e.valueFrom.secretKeyRef.key}`);
        }
        assert.ok(!JSON.stringify(sts).includes("PLAINPASSWORD"));
      });

      it("is deterministic", () => {
        assert.equal(JSON.stringify(renderService(s, K3S_STORAGE_CLASS)), JSON.stringify(objects));
      });
    });
  }

  it("postgres keeps its cluster in a PGDATA sub-directory of the volume", () => {
    const c = (kindOf(renderService(svc("postgres"), K3S_STORAGE_CLASS), "StatefulSet") as Rec)["spec"].template.spec
      .containers[0];
    const pgdata = (c.env as Rec[]).find((e) => e.name === "PGDATA")!.value as string;
    assert.ok(pgdata.startsWith(`${c.volumeMounts[0].mountPath}/`), pgdata);
  });

  it("deleteDataOnDestroy turns deletion (not scale-down) into Delete", () => {
    const s: Service = { ...svc("postgres"), deleteDataOnDestroy: true };
    const sts = kindOf(renderService(s, K3S_STORAGE_CLASS), "StatefulSet");
    assert.deepEqual(sts["spec"].persistentVolumeClaimRetentionPolicy, { whenDeleted: "Delete", whenScaled: "Retain" });
  });
});

describe("the apps bound to a service", () => {
  // Two projects each with a service `db`; apps listed out of order, one binding nothing.
  const bound: Stack = validateStack({
    ...EXAMPLE_SPEC,
    services: {
      db: { engine: "postgres" },
      cache: { engine: "redis" },
      "blog-db": { engine: "postgres", project: "blog" },
    },
    apps: {
      worker: { image: "acme/worker:1", bind: ["db", "cache"] },
      web: { image: "acme/web:1", port: 3000, bind: ["db"] },
      cron: { image: "acme/cron:1" },
      site: { image: "acme/site:1", port: 3000, project: "blog", bind: ["blog-db"] },
    },
  } as StackSpec);
  const service = (name: string): Service => bound.services.find((s) => s.name === name)!;
  const statefulSet = (s: Service, apps?: readonly string[]): Rec =>
    kindOf(renderService(s, K3S_STORAGE_CLASS, apps), "StatefulSet");

  it("are the apps of its project whose bind names it, sorted", () => {
    assert.deepEqual(boundAppNames(service("db"), bound.apps), ["web", "worker"]);
    assert.deepEqual(boundAppNames(service("cache"), bound.apps), ["worker"]);
    assert.deepEqual(boundAppNames(service("blog-db"), bound.apps), ["site"]);
  });

  it("are recorded on the StatefulSet's metadata, sorted and comma-separated, empty when none binds it", () => {
    assert.equal(
      statefulSet(service("db"), ["worker", "web"])["metadata"].annotations[ANNOTATION_BOUND_APPS],
      "web,worker",
    );
    assert.equal(statefulSet(service("db"), [])["metadata"].annotations[ANNOTATION_BOUND_APPS], "");
    assert.equal(statefulSet(service("db"))["metadata"].annotations, undefined, "not known: not recorded");
  });

  it("changing them leaves the pod template and the rest of the spec as they were (no restart of the engine)", () => {
    const before = statefulSet(service("db"), ["web"]);
    const after = statefulSet(service("db"), ["web", "worker"]);
    assert.notDeepEqual(before["metadata"], after["metadata"]);
    assert.deepEqual(after["spec"], before["spec"]);
    assert.equal(JSON.stringify(after["spec"]).includes(ANNOTATION_BOUND_APPS), false);
    assert.deepEqual(statefulSet(service("db"))["spec"], before["spec"]);
  });
});

describe("the volume's StorageClass", () => {
  it("is the one given, or left to the cluster's default when none is", () => {
    const claim = (storageClass: string | undefined): Rec =>
      kindOf(renderService(svc("postgres"), storageClass), "StatefulSet")["spec"].volumeClaimTemplates[0];
    assert.equal(claim("fast-ssd").spec.storageClassName, "fast-ssd");
    assert.equal(claim(K3S_STORAGE_CLASS).spec.storageClassName, "local-path");
    assert.ok(!("storageClassName" in claim(undefined).spec));
  });
});

describe("deriveServicePassword", () => {
  it("gives one password per key, project and name, the same every time", () => {
    const db = { namespace: "main", name: "db" };
    const pw = deriveServicePassword("key-1", db);
    assert.match(pw, /^[0-9a-f]{40}$/);
    assert.equal(deriveServicePassword("key-1", { ...db }), pw, "declared again: same password");
    const others = [
      deriveServicePassword("key-2", db),
      deriveServicePassword("key-1", { namespace: "shop", name: "db" }),
      deriveServicePassword("key-1", { namespace: "main", name: "db2" }),
      // The separator keeps (ma, in/db) and (main, db) apart.
      deriveServicePassword("key-1", { namespace: "mai", name: "n/db" }),
    ];
    assert.equal(new Set([pw, ...others]).size, 5);
  });
});

describe("renderServiceCredentials", () => {
  it("postgres: HOST, PORT, USERNAME, PASSWORD, DATABASE and a URL carrying the password", () => {
    const s = renderServiceCredentials(svc("postgres"), "pw") as Rec;
    assert.equal(s["metadata"].name, "postgres-svc-credentials");
    assert.deepEqual(s["stringData"], {
      DATABASE: "app",
      HOST: "postgres-svc.main.svc.cluster.local",
      PASSWORD: "pw",
      PORT: "5432",
      URL: "postgresql://app:pw@postgres-svc.main.svc.cluster.local:5432/app",
      USERNAME: "app",
    });
  });

  it("redis has no user or database; mongodb authenticates against admin", () => {
    assert.deepEqual(Object.keys((renderServiceCredentials(svc("redis"), "pw") as Rec)["stringData"]), [
      "HOST",
      "PASSWORD",
      "PORT",
      "URL",
    ]);
    assert.equal(connectionUrl(svc("redis"), "pw"), "redis://:pw@redis-svc.main.svc.cluster.local:6379/0");
    assert.equal(
      connectionUrl(svc("mongodb"), "pw"),
      "mongodb://app:pw@mongodb-svc.main.svc.cluster.local:27017/app?authSource=admin",
    );
    assert.equal(connectionUrl(svc("mysql"), "pw"), "mysql://app:pw@mysql-svc.main.svc.cluster.local:3306/app");
  });

  it("percent-encodes a password that is not URL-safe", () => {
    assert.match(connectionUrl(svc("postgres"), "a@b/c:d"), /^postgresql:\/\/app:a%40b%2Fc%3Ad@/);
  });

  it("derives the URL through apply() when the password is an Output-like value", () => {
    class FakeOutput {
      constructor(readonly value: string) {}
      apply(fn: (v: string) => string): FakeOutput {
        return new FakeOutput(fn(this.value));
      }
    }
    const pw = new FakeOutput("pw");
    const data = (renderServiceCredentials(svc("postgres"), pw) as Rec)["stringData"];
    assert.equal(data.PASSWORD, pw);
    assert.ok(data.URL instanceof FakeOutput);
    assert.equal(data.URL.value, connectionUrl(svc("postgres"), "pw"));
  });

  it("refuses a password it cannot derive a URL from, unless the URL is given", () => {
    assert.throws(() => renderServiceCredentials(svc("postgres"), 42), /password as a string or an Output/);
    const data = (renderServiceCredentials(svc("postgres"), 42, 43) as Rec)["stringData"];
    assert.equal(data.URL, 43);
  });
});
