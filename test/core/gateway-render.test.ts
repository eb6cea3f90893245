/**
 * The gateway's Kubernetes objects and the heartbeat CronJob, as rendered: what each must hold (single writer, data
 * kept, non-root, read-only root, probes with the base host, the trusted proxy range), and the references between
 * them, including the cert-manager and Traefik objects a generic schema validator does not know.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { K8sObject } from "../../core/k8s.ts";
import { renderAddons } from "../../core/render/addons.ts";
import { CODE_HASH_ANNOTATION, type CodeBundle, NODE_RUNTIME_IMAGE } from "../../core/render/code-bundle.ts";
import { ADMIN_TOKEN_KEY, CLOUDFLARE_TOKEN_KEY, gatewaySecrets, renderGateway } from "../../core/render/gateway.ts";
import { type GatewayConfig, gatewayConfig } from "../../core/render/gateway-config.ts";
import {
  AUTHORIZATION_KEY,
  heartbeatConfig,
  heartbeatSchedule,
  heartbeatSecret,
  renderHeartbeat,
} from "../../core/render/heartbeat.ts";
import { validateStack } from "../../core/validate/stack.ts";
import { EXAMPLE_SPEC } from "../support/example-stack.ts";
import { validateObjects } from "../support/k8s-validate.ts";

/** The cluster add-ons the gateway relies on (cert-manager's chart creates its namespace and CRDs). */
const ADDONS = renderAddons(validateStack(EXAMPLE_SPEC));

const BUNDLE: CodeBundle = {
  entry: "gateway/main.ts",
  fileName: "main.mjs",
  code: "console.log('gateway')",
  sha256: "a".repeat(64),
  bytes: 22,
};

// biome-ignore lint/suspicious/noExplicitAny: walking untyped manifests
type Any = any;

function find(objs: readonly K8sObject[], kind: string, name?: string): Any {
  const hit = objs.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  assert.ok(hit, `no ${kind}${name ? `/${name}` : ""} among ${objs.map((o) => `${o.kind}/${o.metadata.name}`)}`);
  return hit;
}

function all(cfg: GatewayConfig): K8sObject[] {
  return [
    ...gatewaySecrets(cfg, { adminToken: "admin-secret-value", cloudflareApiToken: "cf-secret" }),
    ...renderGateway(cfg),
  ];
}

/** Cross-object references of the gateway, checked here because they span CRDs too. */
function gatewayReferenceProblems(objs: readonly K8sObject[]): string[] {
  const problems: string[] = [];
  const has = (kind: string, name: string, ns?: string) =>
    objs.some((o) => o.kind === kind && o.metadata.name === name && (ns === undefined || o.metadata.namespace === ns));
  for (const sts of objs.filter((o) => o.kind === "StatefulSet") as Any[]) {
    const ns = sts.metadata.namespace;
    const pod = sts.spec.template;
    for (const [k, v] of Object.entries(sts.spec.selector.matchLabels)) {
      if (pod.metadata.labels[k] !== v)
        problems.push(`StatefulSet ${sts.metadata.name}: selector ${k}=${v} not on pods`);
    }
    if (!has("Service", sts.spec.serviceName, ns)) problems.push(`StatefulSet: no Service ${sts.spec.serviceName}`);
    if (!has("ServiceAccount", pod.spec.serviceAccountName, ns)) problems.push("StatefulSet: no ServiceAccount");
    for (const vol of pod.spec.volumes) {
      if (vol.configMap && !has("ConfigMap", vol.configMap.name, ns))
        problems.push(`no ConfigMap ${vol.configMap.name}`);
      if (vol.persistentVolumeClaim && !has("PersistentVolumeClaim", vol.persistentVolumeClaim.claimName, ns)) {
        problems.push(`no PVC ${vol.persistentVolumeClaim.claimName}`);
      }
    }
    for (const c of pod.spec.containers) {
      const vols = new Set(pod.spec.volumes.map((v: Any) => v.name));
      for (const m of c.volumeMounts) if (!vols.has(m.name)) problems.push(`mount ${m.name} has no volume`);
      for (const e of c.env) {
        const ref = e.valueFrom?.secretKeyRef;
        if (!ref) continue;
        const secret = objs.find(
          (o) => o.kind === "Secret" && o.metadata.name === ref.name && o.metadata.namespace === ns,
        ) as Any;
        if (!secret || !(ref.key in secret.stringData))
          problems.push(`env ${e.name}: no Secret key ${ref.name}/${ref.key}`);
      }
    }
  }
  for (const svc of objs.filter((o) => o.kind === "Service") as Any[]) {
    const pods = (objs as Any[]).filter(
      (o) => o.kind === "StatefulSet" && o.metadata.namespace === svc.metadata.namespace,
    );
    const matches = pods.filter((p) =>
      Object.entries(svc.spec.selector).every(([k, v]) => p.spec.template.metadata.labels[k] === v),
    );
    if (matches.length === 0) problems.push(`Service ${svc.metadata.name} selects no pods`);
    for (const port of svc.spec.ports) {
      const named = matches.some((p: Any) =>
        p.spec.template.spec.containers.some((c: Any) => c.ports.some((cp: Any) => cp.name === port.targetPort)),
      );
      if (!named) problems.push(`Service ${svc.metadata.name}: targetPort ${port.targetPort} is no container port`);
    }
  }
  for (const ing of objs.filter((o) => o.kind === "Ingress") as Any[]) {
    const ns = ing.metadata.namespace;
    for (const rule of ing.spec.rules) {
      for (const p of rule.http.paths) {
        const svc = (objs as Any[]).find(
          (o) => o.kind === "Service" && o.metadata.name === p.backend.service.name && o.metadata.namespace === ns,
        );
        if (!svc) problems.push(`Ingress ${ing.metadata.name}: no Service ${p.backend.service.name}`);
        else if (!svc.spec.ports.some((sp: Any) => sp.name === p.backend.service.port.name)) {
          problems.push(`Ingress ${ing.metadata.name}: Service has no port ${p.backend.service.port.name}`);
        }
      }
    }
    for (const tls of ing.spec.tls ?? []) {
      const cert = (objs as Any[]).find(
        (o) => o.kind === "Certificate" && o.spec.secretName === tls.secretName && o.metadata.namespace === ns,
      );
      if (!cert) problems.push(`Ingress ${ing.metadata.name}: no Certificate writes ${tls.secretName}`);
      else for (const h of tls.hosts) if (!cert.spec.dnsNames.includes(h)) problems.push(`certificate lacks ${h}`);
    }
    const mw = ing.metadata.annotations?.["traefik.ingress.kubernetes.io/router.middlewares"];
    if (mw) {
      for (const ref of mw.split(",")) {
        const m = /^(.+)@kubernetescrd$/.exec(ref);
        const ok =
          m && objs.some((o) => o.kind === "Middleware" && `${o.metadata.namespace}-${o.metadata.name}` === m[1]);
        if (!ok) problems.push(`Ingress ${ing.metadata.name}: no Middleware for ${ref}`);
      }
    }
  }
  for (const cert of objs.filter((o) => o.kind === "Certificate") as Any[]) {
    const issuer = cert.spec.issuerRef;
    if (issuer.kind !== "Issuer" || !has("Issuer", issuer.name, cert.metadata.namespace)) {
      problems.push("Certificate: no issuer");
    }
  }
  for (const issuer of objs.filter((o) => o.kind === "Issuer") as Any[]) {
    for (const solver of issuer.spec.acme.solvers) {
      const ref = solver.dns01.cloudflare.apiTokenSecretRef;
      const secret = (objs as Any[]).find(
        (o) =>
          o.kind === "Secret" && o.metadata.name === ref.name && o.metadata.namespace === issuer.metadata.namespace,
      );
      if (!secret || !(ref.key in secret.stringData)) problems.push(`Issuer: no Secret key ${ref.name}/${ref.key}`);
    }
  }
  return problems;
}

describe("gateway objects", () => {
  const cfg = gatewayConfig({ baseDomain: "Skipper.Run.", bundle: BUNDLE, acmeEmail: "ops@example.com" });
  const objs = all(cfg);

  it("normalises the base domain and covers it and its wildcard", () => {
    assert.equal(cfg.baseDomain, "skipper.run");
    const cert = find(objs, "Certificate");
    assert.deepEqual(cert.spec.dnsNames, ["skipper.run", "*.skipper.run"]);
    const https = find(objs, "Ingress", "gateway");
    assert.deepEqual(
      https.spec.rules.map((r: Any) => r.host),
      ["skipper.run", "*.skipper.run"],
    );
    assert.equal(https.metadata.annotations["traefik.ingress.kubernetes.io/router.entrypoints"], "websecure");
    assert.equal(https.spec.tls[0].secretName, cert.spec.secretName);
    const http = find(objs, "Ingress", "gateway-http");
    assert.equal(http.metadata.annotations["traefik.ingress.kubernetes.io/router.entrypoints"], "web");
    assert.equal(find(objs, "Middleware").spec.redirectScheme.scheme, "https");
  });

  it("has every reference resolved (services, volumes, secrets, certificate, issuer, middleware)", () => {
    assert.deepEqual(gatewayReferenceProblems(objs), []);
  });

  it("passes the schema and cross-object validation, alone and beside the cluster add-ons", () => {
    assert.deepEqual(validateObjects([...ADDONS, ...objs]), []);
    const hb = heartbeatConfig({ baseDomain: "skipper.run", clusterId: "203-0-113-10" });
    const registration = [...renderHeartbeat(hb), heartbeatSecret(hb, { token: "t", authorization: "a" })];
    assert.deepEqual(validateObjects([...ADDONS, ...objs, ...registration]), []);
    // and the validator does look at them: a pod without its ConfigMap is caught
    const broken = objs.filter((o) => o.kind !== "ConfigMap");
    assert.match(validateObjects([...ADDONS, ...broken]).join("\n"), /gateway-code/);
  });

  it("lets only Traefik's pods connect to the gateway (so trusting X-Forwarded-For from the pod network is safe)", () => {
    const policy = find(objs, "NetworkPolicy");
    const sts = find(objs, "StatefulSet");
    for (const [k, v] of Object.entries(policy.spec.podSelector.matchLabels)) {
      assert.equal(sts.spec.template.metadata.labels[k], v, `policy selects the gateway pods by ${k}`);
    }
    assert.deepEqual(policy.spec.policyTypes, ["Ingress"]);
    assert.equal(policy.spec.ingress.length, 1);
    const [peer] = policy.spec.ingress[0].from;
    assert.deepEqual(peer.namespaceSelector.matchLabels, { "kubernetes.io/metadata.name": "kube-system" });
    assert.deepEqual(peer.podSelector.matchLabels, { "app.kubernetes.io/name": "traefik" });
    assert.deepEqual(policy.spec.ingress[0].ports, [{ protocol: "TCP", port: "http" }]);
  });

  it("passes the worker count to the gateway and refuses a silly one", () => {
    const four = renderGateway(gatewayConfig({ baseDomain: "skipper.run", bundle: BUNDLE, workers: 4 }));
    const env = find(four, "StatefulSet").spec.template.spec.containers[0].env;
    assert.deepEqual(
      env.find((e: Any) => e.name === "SKIPPER_GATEWAY_WORKERS"),
      { name: "SKIPPER_GATEWAY_WORKERS", value: "4" },
    );
    assert.throws(() => gatewayConfig({ baseDomain: "skipper.run", bundle: BUNDLE, workers: 0 }), /workers must be/);
  });

  it("routes the wildcard at the lowest priority, so an app's exact host on the same cluster wins", () => {
    for (const name of ["gateway", "gateway-http"]) {
      assert.equal(
        find(objs, "Ingress", name).metadata.annotations["traefik.ingress.kubernetes.io/router.priority"],
        "1",
      );
    }
  });

  it("the reference check itself catches a broken reference", () => {
    const broken = objs.map((o) =>
      o.kind === "Ingress" && o.metadata.name === "gateway"
        ? { ...o, spec: { ...(o as Any).spec, tls: [{ hosts: ["x.skipper.run"], secretName: "nope" }] } }
        : o,
    );
    assert.match(gatewayReferenceProblems(broken).join("\n"), /no Certificate writes nope/);
    const noSecret = objs.filter((o) => !(o.kind === "Secret" && o.metadata.name === cfg.names.adminSecret));
    assert.match(gatewayReferenceProblems(noSecret).join("\n"), /SKIPPER_GATEWAY_ADMIN_TOKEN/);
  });

  it("runs one non-root pod with a read-only root, the code hash and probes on the base host", () => {
    const sts = find(objs, "StatefulSet");
    assert.equal(sts.spec.replicas, 1);
    const pod = sts.spec.template;
    assert.equal(pod.metadata.annotations[CODE_HASH_ANNOTATION], BUNDLE.sha256);
    assert.equal(pod.spec.automountServiceAccountToken, false);
    assert.equal(pod.spec.securityContext.runAsNonRoot, true);
    const c = pod.spec.containers[0];
    assert.equal(c.image, NODE_RUNTIME_IMAGE);
    assert.match(c.image, /^docker\.io\/library\/node:24\.\d+\.\d+-alpine$/);
    assert.deepEqual(c.command, ["node", "/opt/skipper/code/main.mjs"]);
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.equal(c.securityContext.allowPrivilegeEscalation, false);
    assert.deepEqual(c.securityContext.capabilities.drop, ["ALL"]);
    assert.deepEqual(c.readinessProbe.httpGet.httpHeaders, [{ name: "Host", value: "skipper.run" }]);
    assert.equal(c.readinessProbe.httpGet.path, "/healthz");
    assert.equal(c.livenessProbe.httpGet.path, "/healthz");
    assert.ok(c.resources.limits.memory && c.resources.requests.cpu);
    const code = c.volumeMounts.find((m: Any) => m.mountPath === "/opt/skipper/code");
    assert.equal(code.readOnly, true);
    assert.ok(c.volumeMounts.some((m: Any) => m.mountPath === "/data"));
    const env = Object.fromEntries(c.env.filter((e: Any) => "value" in e).map((e: Any) => [e.name, e.value]));
    assert.equal(env.SKIPPER_GATEWAY_BASE_DOMAIN, "skipper.run");
    assert.equal(env.SKIPPER_GATEWAY_PORT, "8080");
    assert.equal(env.SKIPPER_GATEWAY_DATA, "/data/registry");
    assert.deepEqual(c.args, ["--trusted-proxy", "10.42.0.0/16"]);
    assert.equal(find(objs, "ServiceAccount").automountServiceAccountToken, false);
  });

  it("keeps secret values out of every object except the two Secrets", () => {
    const rendered = JSON.stringify(renderGateway(cfg));
    assert.ok(!rendered.includes("admin-secret-value") && !rendered.includes("cf-secret"));
    const [admin, cloudflare] = gatewaySecrets(cfg, { adminToken: "A", cloudflareApiToken: "C" }) as Any[];
    assert.deepEqual(admin.stringData, { [ADMIN_TOKEN_KEY]: "A" });
    assert.equal(admin.metadata.namespace, "skipper-gateway");
    assert.deepEqual(cloudflare.stringData, { [CLOUDFLARE_TOKEN_KEY]: "C" });
    assert.equal(cloudflare.metadata.namespace, "skipper-gateway", "the DNS token stays in the gateway's namespace");
  });

  it("issues the certificate through an Issuer of its own namespace, so no other namespace can use the DNS token", () => {
    assert.equal(objs.filter((o) => o.kind === "ClusterIssuer").length, 0);
    const issuer = find(objs, "Issuer");
    assert.equal(issuer.metadata.namespace, "skipper-gateway");
    assert.equal(issuer.spec.acme.solvers[0].dns01.cloudflare.apiTokenSecretRef.name, cfg.names.cloudflareSecret);
    assert.deepEqual(find(objs, "Certificate").spec.issuerRef, {
      group: "cert-manager.io",
      kind: "Issuer",
      name: issuer.metadata.name,
    });
  });

  it("uses Let's Encrypt production unless staging is asked for", () => {
    assert.match(find(objs, "Issuer").spec.acme.server, /acme-v02\.api\.letsencrypt\.org/);
    const staging = renderGateway(gatewayConfig({ baseDomain: "skipper.run", bundle: BUNDLE, acmeStaging: true }));
    assert.match(find(staging, "Issuer").spec.acme.server, /acme-staging-v02/);
    assert.equal(find(staging, "Issuer").spec.acme.email, undefined);
  });

  it("honours the options (namespace, image digest, storage, trusted proxies)", () => {
    const custom = gatewayConfig({
      baseDomain: "gw.example.com",
      bundle: BUNDLE,
      namespace: "edge",
      image: `docker.io/library/node:24.22.3-alpine@sha256:${"b".repeat(64)}`,
      storage: "5Gi",
      storageClassName: "fast",
      trustedProxies: ["10.52.0.0/16", "10.53.0.0/16"],
    });
    const objs2 = all(custom);
    assert.deepEqual(gatewayReferenceProblems(objs2), []);
    const sts = find(objs2, "StatefulSet");
    assert.match(sts.spec.template.spec.containers[0].image, /@sha256:b{64}$/);
    assert.deepEqual(sts.spec.template.spec.containers[0].args, [
      "--trusted-proxy",
      "10.52.0.0/16",
      "--trusted-proxy",
      "10.53.0.0/16",
    ]);
    const pvc = find(objs2, "PersistentVolumeClaim");
    assert.equal(pvc.spec.resources.requests.storage, "5Gi");
    assert.equal(pvc.spec.storageClassName, "fast");
    assert.ok(
      objs2.filter((o) => o.metadata.namespace && o.kind !== "Secret").every((o) => o.metadata.namespace === "edge"),
    );
    assert.equal(find(objs2, "Issuer").spec.acme.solvers[0].selector.dnsZones[0], "gw.example.com");
  });

  it("refuses a base domain that is not a domain name, and a privileged port", () => {
    assert.throws(() => gatewayConfig({ baseDomain: "localhost", bundle: BUNDLE }), /baseDomain must be a domain name/);
    assert.throws(() => gatewayConfig({ baseDomain: "a..b", bundle: BUNDLE }), /baseDomain/);
    assert.throws(() => gatewayConfig({ baseDomain: "skipper.run", bundle: BUNDLE, port: 80 }), /unprivileged port/);
  });
});

describe("heartbeat CronJob", () => {
  const hb = heartbeatConfig({ baseDomain: "skipper.run", clusterId: "203-0-113-10" });
  const objs = [...renderHeartbeat(hb), heartbeatSecret(hb, { token: "T", authorization: "Authorization: Bearer T" })];

  it("posts the heartbeat with the header from the Secret, never the token on the command line", () => {
    const cron = find(objs, "CronJob");
    const pod = cron.spec.jobTemplate.spec.template.spec;
    const c = pod.containers[0];
    assert.equal(c.args.at(-1), "https://skipper.run/v1/clusters/203-0-113-10/heartbeat");
    assert.deepEqual(c.args.slice(c.args.indexOf("--request"), c.args.indexOf("--request") + 2), ["--request", "POST"]);
    const header = c.args[c.args.indexOf("--header") + 1];
    const mount = c.volumeMounts[0];
    assert.equal(header, `@${mount.mountPath}/${AUTHORIZATION_KEY}`);
    const vol = pod.volumes.find((v: Any) => v.name === mount.name);
    assert.equal(vol.secret.secretName, find(objs, "Secret").metadata.name);
    assert.ok(vol.secret.items.some((i: Any) => i.key === AUTHORIZATION_KEY));
    assert.ok(!JSON.stringify(renderHeartbeat(hb)).includes("Bearer"));
    assert.match(c.image, /^docker\.io\/curlimages\/curl:\d+\.\d+\.\d+$/);
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(cron.spec.concurrencyPolicy, "Forbid");
  });

  it("runs every six hours at a minute that depends on the cluster", () => {
    const s = heartbeatSchedule("203-0-113-10");
    assert.match(s, /^([0-9]|[1-5][0-9]) [0-5]-23\/6 \* \* \*$/);
    assert.equal(s, heartbeatSchedule("203-0-113-10"));
    const distinct = new Set(["a", "b", "c", "acme", "1-2-3-4", "203-0-113-10", "198-51-100-7"].map(heartbeatSchedule));
    assert.ok(distinct.size >= 5, `schedules should spread, got ${[...distinct]}`);
    assert.equal(find(objs, "CronJob").spec.schedule, s);
  });
});
