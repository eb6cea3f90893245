/**
 * `App`: one application as a Deployment, and when it has a port a Service and an Ingress (gateway host and custom
 * domains), plus a Secret `<app>-env` for its secret env. The objects come from `core/render/app.ts`; this component
 * only creates them. Secret env values come from the config secrets `skipper:secret.<app>.<NAME>`.
 */
import * as pulumi from "@pulumi/pulumi";
import type { App as AppModel, Stack } from "../core/model.ts";
import { renderApp, renderAppSecret } from "../core/render/app.ts";
import { requireSecretConfig } from "../providers/secret-config.ts";
import { createK8sObjects } from "./k8s-object.ts";
import { type ClusterTarget, inClusterOptions } from "./options.ts";

export interface AppArgs {
  /** The validated app (from `validateStack`). */
  readonly app: AppModel;
  /** The whole validated stack (bindings and domains are resolved against it). */
  readonly stack: Stack;
  readonly cluster: ClusterTarget;
  /**
   * Values of the app's secret env, by name. @default each one read from the config secret
   * `skipper:secret.<app>.<NAME>`
   */
  readonly secretEnv?: Readonly<Record<string, pulumi.Input<string>>>;
}

/** The config key that holds secret env `envName` of app `app`. */
export function secretEnvConfigKey(app: string, envName: string): string {
  return `skipper:secret.${app}.${envName}`;
}

/** The secret env values of `app`, each from its config secret (clear error when one is missing). */
export function secretEnvFromConfig(app: AppModel): Record<string, pulumi.Input<string>> {
  const values: Record<string, pulumi.Input<string>> = {};
  for (const envName of app.secretEnv) {
    const key = secretEnvConfigKey(app.name, envName);
    values[envName] = requireSecretConfig(
      key,
      `secret env ${envName} of app '${app.name}'`,
      `pulumi config set --secret ${key} <value>`,
    );
  }
  return values;
}

/** The public URLs of an app: its gateway host, then its custom domains. */
export function appUrls(app: AppModel): string[] {
  return [...(app.gatewayHost ? [app.gatewayHost] : []), ...app.domains].map((h) => `https://${h}`);
}

export class App extends pulumi.ComponentResource {
  /** `https://…` for the gateway host and every custom domain; empty for an app without a port. */
  readonly urls: readonly string[];
  /** The created objects by `<kind>/<name>`. */
  readonly objects: ReadonlyMap<string, pulumi.CustomResource>;

  constructor(name: string, args: AppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("skipper:apps:App", name, {}, opts);
    const { app } = args;
    const objects = [...renderApp(app, args.stack)];
    if (app.secretEnv.length > 0) {
      const values = args.secretEnv ?? secretEnvFromConfig(app);
      const missing = app.secretEnv.filter((n) => values[n] === undefined);
      if (missing.length > 0) throw new Error(`app '${app.name}': no value for secret env ${missing.join(", ")}`);
      // Marked secret whatever the caller passed: these values must never be stored in plain text.
      const secretValues = Object.fromEntries(app.secretEnv.map((n) => [n, pulumi.secret(values[n] as string)]));
      objects.unshift(renderAppSecret(app, secretValues));
    }
    this.objects = createK8sObjects(objects, () => inClusterOptions(this, args.cluster, opts));
    this.urls = appUrls(app);
    this.registerOutputs({ urls: this.urls });
  }
}
