/**
 * `Project`: the namespace that apps and services of one project live in, created and labelled by Skipper.
 */
import type * as pulumi from "@pulumi/pulumi";
import * as pulumiSdk from "@pulumi/pulumi";
import { renderNamespace } from "../core/render/namespace.ts";
import { createK8sObject } from "./k8s-object.ts";
import { type ClusterTarget, inClusterOptions } from "./options.ts";

export interface ProjectArgs {
  /** The project name (a DNS-1123 label). */
  readonly project: string;
  /** Where the namespace is created. */
  readonly cluster: ClusterTarget;
}

export class Project extends pulumiSdk.ComponentResource {
  /** The namespace's name. */
  readonly namespace: string;
  readonly resource: pulumi.CustomResource;

  constructor(name: string, args: ProjectArgs, opts?: pulumi.ComponentResourceOptions) {
    super("skipper:apps:Project", name, {}, opts);
    const obj = renderNamespace(args.project);
    this.namespace = obj.metadata.name;
    this.resource = createK8sObject(obj, inClusterOptions(this, args.cluster, opts));
    this.registerOutputs({ namespace: this.namespace });
  }
}
