/**
 * The one mapping from a rendered Kubernetes object to a Pulumi resource class, and the logical names it gives.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import { logicalName, resourceClassFor } from "../../components/k8s-object.ts";
import type { K8sObject } from "../../core/k8s.ts";

const obj = (apiVersion: string, kind: string, namespace?: string): K8sObject => ({
  apiVersion,
  kind,
  metadata: { name: "web", ...(namespace ? { namespace } : {}) },
});

describe("resourceClassFor", () => {
  it("maps built-in kinds to their typed classes", () => {
    assert.equal(resourceClassFor(obj("apps/v1", "Deployment")), k8s.apps.v1.Deployment);
    assert.equal(resourceClassFor(obj("apps/v1", "StatefulSet")), k8s.apps.v1.StatefulSet);
    assert.equal(resourceClassFor(obj("v1", "Service")), k8s.core.v1.Service);
    assert.equal(resourceClassFor(obj("v1", "Secret")), k8s.core.v1.Secret);
    assert.equal(resourceClassFor(obj("v1", "Namespace")), k8s.core.v1.Namespace);
    assert.equal(resourceClassFor(obj("networking.k8s.io/v1", "Ingress")), k8s.networking.v1.Ingress);
  });

  it("maps kinds of CRD groups (Traefik, cert-manager) to CustomResource", () => {
    assert.equal(resourceClassFor(obj("traefik.io/v1alpha1", "Middleware")), k8s.apiextensions.CustomResource);
    assert.equal(resourceClassFor(obj("cert-manager.io/v1", "ClusterIssuer")), k8s.apiextensions.CustomResource);
  });

  it("refuses a built-in kind nobody mapped, instead of sending it as a custom resource", () => {
    assert.throws(() => resourceClassFor(obj("batch/v1", "Job")), /batch\/v1\/Job.*components\/k8s-object\.ts/);
    assert.throws(() => resourceClassFor(obj("v1", "Pod")), /v1\/Pod/);
    assert.throws(() => resourceClassFor(obj("storage.k8s.io/v1", "StorageClass")), /StorageClass/);
  });
});

describe("logicalName", () => {
  it("is namespace/name for namespaced objects and name for cluster-scoped ones", () => {
    assert.equal(logicalName(obj("apps/v1", "Deployment", "shop")), "shop/web");
    assert.equal(logicalName(obj("v1", "Namespace")), "web");
  });
});
