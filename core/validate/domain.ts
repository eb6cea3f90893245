/**
 * Validation of `domain` (the gateway base domain and Let's Encrypt settings) and of the custom domains apps claim.
 */
import type { Domain } from "../model.ts";
import { checkBoolean, checkDomainName, checkEmail, checkKnownKeys, optionalRecord, type Problems } from "./values.ts";

const DOMAIN_KEYS = ["acmeEmail", "acmeStaging", "gateway"] as const;

/** `domain` → Domain. `acmeEmail` stays unset here; the stack fills its default from the custom domains. */
export function validateDomain(value: unknown, p: Problems): Domain {
  const spec = optionalRecord(value, "domain", p);
  if (!spec) return { acmeStaging: false };
  checkKnownKeys(spec, DOMAIN_KEYS, "domain", p);
  const gateway = spec["gateway"] === undefined ? undefined : checkDomainName(spec["gateway"], "domain.gateway", p);
  const acmeEmail = spec["acmeEmail"] === undefined ? undefined : checkEmail(spec["acmeEmail"], "domain.acmeEmail", p);
  const acmeStaging = checkBoolean(spec["acmeStaging"], false, "domain.acmeStaging", p);
  return {
    ...(gateway !== undefined && { gateway }),
    ...(acmeEmail !== undefined && { acmeEmail }),
    acmeStaging,
  };
}

/**
 * An app's custom domains: valid DNS names, normalised to lower case, each given once, and none under the gateway's
 * base domain (those names belong to the gateway scheme and its wildcard certificate).
 */
export function checkAppDomains(value: unknown, field: string, gateway: string | undefined, p: Problems): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    p.add(field, "must be a list of domain names such as ['shop.example.com']", value);
    return [];
  }
  const out: string[] = [];
  const firstAt = new Map<string, number>();
  value.forEach((item, i) => {
    const name = checkDomainName(item, `${field}[${i}]`, p);
    if (name === undefined) return;
    if (gateway !== undefined && (name === gateway || name.endsWith(`.${gateway}`))) {
      p.add(
        `${field}[${i}]`,
        `must not be under the gateway domain ${gateway}: the app already gets its gateway name there; list only domains you own`,
        item,
      );
      return;
    }
    const first = firstAt.get(name);
    if (first !== undefined) {
      p.add(`${field}[${i}]`, `repeats domain '${name}' already given at ${field}[${first}]`);
      return;
    }
    firstAt.set(name, i);
    out.push(name);
  });
  return out;
}

/** The default Let's Encrypt contact: `admin@<zone of the first custom domain>`, or none without custom domains. */
export function defaultAcmeEmail(firstCustomDomain: string | undefined): string | undefined {
  if (firstCustomDomain === undefined) return undefined;
  const zone = firstCustomDomain.split(".").slice(-2).join(".");
  return `admin@${zone}`;
}
