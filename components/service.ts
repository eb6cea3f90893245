/**
 * `Service`: a stateful service (postgres, mysql, redis, mongodb) as a StatefulSet with a volume, its headless
 * governing Service and a credentials Secret `<service>-credentials`. The objects come from `core/render/service.ts`.
 * The password is generated once (`RandomPassword`) and kept in state as a secret. Data outlives the stack: the
 * StatefulSet is retained on delete and its claims carry `persistentVolumeClaimRetentionPolicy: Retain`, unless the
 * user opted in with `deleteDataOnDestroy`.
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { K8sObject } from "../core/k8s.ts";
import type { Service as ServiceModel, Stack } from "../core/model.ts";
import { renderService, renderServiceCredentials } from "../core/render/service.ts";
import { createK8sObjects } from "./k8s-object.ts";
import { type ClusterTarget, inClusterOptions } from "./options.ts";

/** Kinds that hold data: removed from the stack (or destroyed) without deleting them, unless the user opted in. */
export const VOLUME_KINDS: ReadonlySet<string> = new Set(["StatefulSet", "PersistentVolumeClaim"]);

export interface ServiceArgs {
  /** The validated service (from `validateStack`). */
  readonly service: ServiceModel;
  readonly stack: Stack;
  readonly cluster: ClusterTarget;
}

export class Service extends pulumi.ComponentResource {
  /** The generated password (secret). */
  readonly password: pulumi.Output<string>;
  /** Name of the Secret that holds the credentials (what bound apps read). */
  readonly credentialsSecret: string;
  readonly objects: ReadonlyMap<string, pulumi.CustomResource>;

  constructor(name: string, args: ServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("skipper:apps:Service", name, {}, opts);
    const { service } = args;
    // No keepers: generated on the first `up` and never again, so the data on the volume stays reachable.
    const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, { parent: this });
    this.password = pulumi.secret(password.result);
    const credentials = renderServiceCredentials(service, this.password);
    this.credentialsSecret = credentials.metadata.name;
    const objects: K8sObject[] = [credentials, ...renderService(service, args.stack)];
    const retain = !service.deleteDataOnDestroy;
    this.objects = createK8sObjects(objects, (obj) =>
      inClusterOptions(this, args.cluster, opts, VOLUME_KINDS.has(obj.kind) && retain ? { retainOnDelete: true } : {}),
    );
    this.registerOutputs({ credentialsSecret: this.credentialsSecret });
  }
}
