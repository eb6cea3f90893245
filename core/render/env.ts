/** Env var entries of a container spec, as renderers build them. */

export type EnvVar =
  | { readonly name: string; readonly value: string }
  | {
      readonly name: string;
      readonly valueFrom: { readonly secretKeyRef: { readonly name: string; readonly key: string } };
    };

/** An env var read from key `key` of Secret `secret`. */
export function secretEnv(name: string, secret: string, key: string): EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: secret, key } } };
}

/**
 * A literal env var. Kubernetes expands `$(NAME)` inside env values; a PaaS user means the text they wrote, so every
 * `$` is doubled (`$$` is Kubernetes' escape for a literal `$`).
 */
export function literalEnv(name: string, value: string): EnvVar {
  return { name, value: value.replaceAll("$", () => "$$") };
}
