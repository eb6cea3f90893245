/**
 * The proof responder's Kubernetes objects (core/render/gateway-proof.ts), as rendered: schema-valid together with the
 * registration's namespace, hardened, reachable only through Traefik and only on the exact proof path of the cluster's
 * own host, and the bundle and key wired in as the responder reads them.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PROOF_PATH_PREFIX } from "../../core/gateway-proof.ts";
import type { K8sObject } from "../../core/k8s.ts";
import { CODE_HASH_ANNOTATION, type CodeBundle, NODE_RUNTIME_IMAGE } from "../../core/render/code-bundle.ts";
import {
  gatewayProofConfig,
  gatewayProofSecret,
  PROOF_KEY_DIR,
  PROOF_KEY_FILE,
  renderGatewayProof,
} from "../../core/render/gateway-proof.ts";
import { heartbeatConfig, renderHeartbeat } from "../../core/render/heartbeat.ts";
import { validateObjects } from "../support/k8s-validate.ts";

const BUNDLE: CodeBundle = {
  entry: "gateway/proof/main.ts",
  fileName: "gateway-proof.mjs",
  code: "console.log('proof')",
  sha256: "b".repeat(64),
  bytes: 20,
};

// biome-ignore lint/suspicious/noExplicitAny: walking untyped manifests
type Any = any;

function find(objs: readonly K8sObject[], kind: string): Any {
  const hit = objs.find((o) => o.kind === kind);
  assert.ok(hit, `no ${kind} among ${objs.map((o) => `${o.kind}/${o.metadata.name}`)}`);
  return hit;
}

const cfg = gatewayProofConfig({ clusterId: "acme", clusterHost: "acme.skipper.run", bundle: BUNDLE });
const objects = [...renderGatewayProof(cfg), gatewayProofSecret(cfg, "<pem>")];
const namespace = renderHeartbeat(heartbeatConfig({ baseDomain: "skipper.run", clusterId: "acme" }))[0]!;

describe("gateway proof responder objects", () => {
  it("pass the schemas and the cross-object checks, in the registration's namespace", () => {
    assert.equal(namespace.kind, "Namespace");
    assert.deepEqual(validateObjects([namespace, ...objects]), []);
    assert.deepEqual(objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`).sort(), [
      "ConfigMap/skipper-registration/gateway-proof-code",
      "Deployment/skipper-registration/gateway-proof",
      "Ingress/skipper-registration/gateway-proof",
      "NetworkPolicy/skipper-registration/gateway-proof-from-traefik",
      "Secret/skipper-registration/gateway-proof-key",
      "Service/skipper-registration/gateway-proof",
    ]);
    const broken = objects.filter((o) => o.kind !== "Secret");
    assert.match(validateObjects([namespace, ...broken]).join("\n"), /gateway-proof-key/, "the checks see the key");
  });

  it("routes only the exact proof path of this id, on the cluster's own host, over plain HTTP", () => {
    const ingress = find(objects, "Ingress");
    assert.equal(ingress.spec.ingressClassName, "traefik");
    assert.equal(ingress.metadata.annotations["traefik.ingress.kubernetes.io/router.entrypoints"], "web");
    assert.equal(ingress.spec.tls, undefined);
    assert.deepEqual(ingress.spec.rules, [
      {
        host: "acme.skipper.run",
        http: {
          paths: [
            {
              path: `${PROOF_PATH_PREFIX}acme`,
              pathType: "Exact",
              backend: { service: { name: "gateway-proof", port: { name: "http" } } },
            },
          ],
        },
      },
    ]);
    const policy = find(objects, "NetworkPolicy");
    assert.deepEqual(policy.spec.ingress[0].from[0].namespaceSelector.matchLabels, {
      "kubernetes.io/metadata.name": "kube-system",
    });
    assert.deepEqual(policy.spec.podSelector.matchLabels, find(objects, "Deployment").spec.selector.matchLabels);
  });

  it("runs the bundle hardened, with probes, small limits, and the key mounted where the responder reads it", () => {
    const d = find(objects, "Deployment");
    const pod = d.spec.template.spec;
    const c = pod.containers[0];
    assert.equal(c.image, NODE_RUNTIME_IMAGE);
    assert.deepEqual(c.command, ["node", "/opt/skipper/code/gateway-proof.mjs"]);
    assert.equal(d.spec.template.metadata.annotations[CODE_HASH_ANNOTATION], BUNDLE.sha256);
    assert.equal(pod.automountServiceAccountToken, false);
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.deepEqual(c.securityContext, {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
    });
    assert.equal(c.readinessProbe.httpGet.path, "/healthz");
    assert.equal(c.livenessProbe.httpGet.path, "/healthz");
    assert.deepEqual(c.resources, {
      requests: { cpu: "10m", memory: "64Mi" },
      limits: { cpu: "100m", memory: "128Mi" },
    });
    const env = Object.fromEntries(c.env.map((e: Any) => [e.name, e.value]));
    assert.equal(env.SKIPPER_CLUSTER_ID, "acme");
    assert.equal(env.SKIPPER_PROOF_KEY_FILE, `${PROOF_KEY_DIR}/${PROOF_KEY_FILE}`);
    assert.equal(env.PORT, String(c.ports[0].containerPort));
    const keyVolume = pod.volumes.find((v: Any) => v.secret);
    assert.equal(keyVolume.secret.secretName, "gateway-proof-key");
    assert.equal(keyVolume.secret.defaultMode, 0o440);
    assert.ok(
      c.volumeMounts.some((m: Any) => m.name === keyVolume.name && m.mountPath === PROOF_KEY_DIR && m.readOnly),
    );
    assert.equal(d.spec.strategy.rollingUpdate.maxUnavailable, 0, "the old pod answers until the new one is ready");
    const secret = find(objects, "Secret");
    assert.deepEqual(secret.stringData, { [PROOF_KEY_FILE]: "<pem>" });
  });

  it("refuses an id that is not a DNS label and a host that is not the cluster's own", () => {
    assert.throws(
      () => gatewayProofConfig({ clusterId: "Acme_1", clusterHost: "acme.skipper.run", bundle: BUNDLE }),
      /clusterId must be a DNS label \(got "Acme_1"\)/,
    );
    for (const clusterHost of ["other.skipper.run", "acme", "acme.skipper..run", "acme.Skipper.run"]) {
      assert.throws(
        () => gatewayProofConfig({ clusterId: "acme", clusterHost, bundle: BUNDLE }),
        /clusterHost must be the cluster's own host name, acme\.<base>/,
        clusterHost,
      );
    }
  });
});
