/**
 * `Service`: a stateful service (postgres, mysql, redis, mongodb) as a StatefulSet with a volume, its headless
 * governing Service and a credentials Secret `<service>-credentials`. The objects come from `core/render/service.ts`.
 *
 * Removing a service from the stack removes its workload and keeps its data: the StatefulSet, Service and Secret are
 * deleted like any other object (so no engine keeps running without its credentials), while the volume claim stays,
 * by the StatefulSet's `persistentVolumeClaimRetentionPolicy: Retain`, unless the user opted in with
 * `deleteDataOnDestroy`. The password is derived from the stack's credentials key (`serviceCredentialsKey`), so a
 * service declared again under the same name and project comes back with the password its data was initialised with.
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { K8sObject } from "../core/k8s.ts";
import type { Service as ServiceModel } from "../core/model.ts";
import { deriveServicePassword, renderService, renderServiceCredentials } from "../core/render/service.ts";
import { createK8sObjects } from "./k8s-object.ts";
import { type ClusterTarget, inClusterOptions } from "./options.ts";

export interface ServiceArgs {
  /** The validated service (from `validateStack`). */
  readonly service: ServiceModel;
  readonly cluster: ClusterTarget;
  /** The StorageClass of the volume (`InfraProvider.storageClass`). @default the cluster's default StorageClass */
  readonly storageClass?: string;
  /**
   * The secret the password is derived from (`serviceCredentialsKey()`, one per stack). @default a password generated
   * for this service alone, which is lost when the service is removed: declared again, it would not open its old data
   */
  readonly credentialsKey?: pulumi.Input<string>;
  /**
   * The apps that bind this service (`boundAppNames(service, stack.apps)`), recorded on the StatefulSet for the
   * console. @default not recorded: the console shows the bound apps as unknown
   */
  readonly boundApps?: readonly string[];
}

/**
 * The stack's credentials key: generated on the first `up`, kept as a secret in the state for as long as the stack
 * exists, whatever services come and go. Create it once per stack and pass it to every `Service`.
 */
export function serviceCredentialsKey(opts?: pulumi.CustomResourceOptions): pulumi.Output<string> {
  const key = new random.RandomPassword("service-credentials-key", { length: 64, special: false }, opts);
  return pulumi.secret(key.result);
}

export class Service extends pulumi.ComponentResource {
  /** The password (secret). */
  readonly password: pulumi.Output<string>;
  /** Name of the Secret that holds the credentials (what bound apps read). */
  readonly credentialsSecret: string;
  readonly objects: ReadonlyMap<string, pulumi.CustomResource>;

  constructor(name: string, args: ServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("skipper:apps:Service", name, {}, opts);
    const { service } = args;
    this.password = pulumi.secret(
      args.credentialsKey === undefined
        ? new random.RandomPassword(`${name}-password`, { length: 32, special: false }, { parent: this }).result
        : pulumi.output(args.credentialsKey).apply((key) => deriveServicePassword(key, service)),
    );
    const credentials = renderServiceCredentials(service, this.password);
    this.credentialsSecret = credentials.metadata.name;
    const objects: K8sObject[] = [credentials, ...renderService(service, args.storageClass, args.boundApps)];
    this.objects = createK8sObjects(objects, () => inClusterOptions(this, args.cluster, opts));
    this.registerOutputs({ credentialsSecret: this.credentialsSecret });
  }
}
