/**
 * Stack config for each side of `kip diff --stack NAME`: `Pulumi.<NAME>.yaml` as it is at the base ref and in the
 * working tree, handed to the program the way Pulumi's language host does (`PULUMI_CONFIG`,
 * `PULUMI_CONFIG_SECRET_KEYS`). A secret (`secure: v1:…`) cannot be decrypted without the stack's passphrase or
 * backend, and need not be: its ciphertext stands in for the value. The program sees it only as a secret, the output
 * shows `<secret>`, and a re-set secret (new ciphertext) shows as changed.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

export interface ConfigEnv {
  readonly PULUMI_CONFIG: string;
  readonly PULUMI_CONFIG_SECRET_KEYS: string;
}

function hasSecure(v: unknown): boolean {
  if (typeof v !== "object" || v === null) return false;
  if (!Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as { secure?: unknown }).secure === "string") {
    return true;
  }
  return Object.values(v).some(hasSecure);
}

/** `{secure: x}` → x, everywhere in `v`. */
function unwrapSecure(v: unknown): unknown {
  if (typeof v !== "object" || v === null) return v;
  if (hasSecure(v) && !Array.isArray(v) && Object.keys(v).length === 1 && "secure" in v) {
    return (v as { secure: string }).secure;
  }
  if (Array.isArray(v)) return v.map(unwrapSecure);
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecure(x)]));
}

/** Read `Pulumi.<stack>.yaml` in `dir` (absent file: no config) and merge it over `fromEnv` (PULUMI_CONFIG). */
export function stackConfigEnv(
  dir: string,
  stack: string,
  project: string,
  fromEnv: NodeJS.ProcessEnv = process.env,
): ConfigEnv {
  if (!/^[\w.-]+$/.test(stack) || stack.includes("..")) {
    throw new Error(`--stack: '${stack}' is not a stack name (letters, digits, '-', '_', '.')`);
  }
  const config: Record<string, string> = JSON.parse(fromEnv["PULUMI_CONFIG"] || "{}");
  const secretKeys = new Set<string>(JSON.parse(fromEnv["PULUMI_CONFIG_SECRET_KEYS"] || "[]"));
  const file = join(dir, `Pulumi.${stack}.yaml`);
  if (existsSync(file)) {
    let doc: unknown;
    try {
      doc = parse(readFileSync(file, "utf8"));
    } catch (err) {
      throw new Error(`${file}: not valid YAML (${err instanceof Error ? err.message : String(err)})`);
    }
    const values = (doc as { config?: unknown } | null)?.config;
    if (values !== undefined && (typeof values !== "object" || values === null || Array.isArray(values))) {
      throw new Error(`${file}: 'config' must be a map of keys to values`);
    }
    for (const [rawKey, raw] of Object.entries((values ?? {}) as Record<string, unknown>)) {
      const key = rawKey.includes(":") ? rawKey : `${project}:${rawKey}`;
      const v = unwrapSecure(raw);
      config[key] = typeof v === "string" ? v : JSON.stringify(v);
      if (hasSecure(raw)) secretKeys.add(key);
    }
  }
  return { PULUMI_CONFIG: JSON.stringify(config), PULUMI_CONFIG_SECRET_KEYS: JSON.stringify([...secretKeys].sort()) };
}
