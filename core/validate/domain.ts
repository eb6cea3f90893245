/**
 * Validation of `domain` (the gateway base domain and Let's Encrypt settings) and of the custom domains apps claim.
 */
import { isIP } from "node:net";
import { parse } from "tldts";
import type { Domain } from "../model.ts";
import {
  checkBoolean,
  checkDomainName,
  checkEmail,
  checkNoRepeats,
  checkStringList,
  optionalRecord,
  type Problems,
} from "./values.ts";

const PROXY_RULE = "must be an IP address or a CIDR range such as 198.51.100.7 or 198.51.100.0/24";

/** Whether `value` is an IPv4/IPv6 address, or one with a `/prefix` within the address's length. */
export function isAddressOrCidr(value: string): boolean {
  const [address = "", prefix, ...rest] = value.split("/");
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^[0-9]{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

function checkTrustedProxies(value: unknown, p: Problems): string[] {
  const list = checkStringList(value, "domain.trustedProxies", p) ?? [];
  list.forEach((item, i) => {
    if (!isAddressOrCidr(item)) p.add(`domain.trustedProxies[${i}]`, PROXY_RULE, item);
  });
  checkNoRepeats(list, "domain.trustedProxies", "address", p);
  return [...list].sort();
}

/** `domain` → Domain. `acmeEmail` stays unset here; the stack fills its default from the custom domains. */
export function validateDomain(value: unknown, p: Problems): Domain {
  const spec = optionalRecord(value, "domain", p);
  if (!spec) return { acmeStaging: false, trustedProxies: [] };
  const gateway = spec["gateway"] === undefined ? undefined : checkDomainName(spec["gateway"], "domain.gateway", p);
  const acmeEmail = spec["acmeEmail"] === undefined ? undefined : checkEmail(spec["acmeEmail"], "domain.acmeEmail", p);
  const acmeStaging = checkBoolean(spec["acmeStaging"], false, "domain.acmeStaging", p);
  const trustedProxies = checkTrustedProxies(spec["trustedProxies"], p);
  return {
    trustedProxies,
    ...(gateway !== undefined && { gateway }),
    ...(acmeEmail !== undefined && { acmeEmail }),
    acmeStaging,
  };
}

/**
 * A custom domain (an app's or the console's): a valid DNS name, normalised to lower case, not under the gateway's
 * base domain (those names belong to the gateway scheme and its wildcard certificate).
 */
export function checkCustomDomain(
  value: unknown,
  field: string,
  gateway: string | undefined,
  p: Problems,
): string | undefined {
  const name = checkDomainName(value, field, p);
  if (name === undefined) return undefined;
  if (gateway !== undefined && (name === gateway || name.endsWith(`.${gateway}`))) {
    p.add(
      field,
      `must not be under the gateway domain ${gateway}: it already has its gateway name there; list only domains you own`,
      value,
    );
    return undefined;
  }
  return name;
}

/** An app's custom domains (`checkCustomDomain` each), each given once. */
export function checkAppDomains(value: unknown, field: string, gateway: string | undefined, p: Problems): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    p.add(field, "must be a list of domain names such as ['shop.example.com']", value);
    return [];
  }
  const out: string[] = [];
  const firstAt = new Map<string, number>();
  value.forEach((item, i) => {
    const name = checkCustomDomain(item, `${field}[${i}]`, gateway, p);
    if (name === undefined) return;
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

/**
 * The default Let's Encrypt contact: `admin@<registrable domain of the first custom domain>`, found with the public
 * suffix list (`shop.example.co.uk` → `admin@example.co.uk`). Where the domain sits under a suffix many owners share
 * (`foo.github.io`, a private suffix of the list) or under no known public suffix, no address can be assumed and
 * `domain.acmeEmail` is required. Undefined without custom domains.
 * @param at the field of the first custom domain, for the message
 */
export function defaultAcmeEmail(first: { readonly domain: string; readonly at: string } | undefined, p: Problems) {
  if (first === undefined) return undefined;
  const parsed = parse(first.domain, { allowPrivateDomains: true });
  if (parsed.isIcann === true && parsed.domain) return `admin@${parsed.domain}`;
  const why = parsed.isPrivate
    ? `is under ${parsed.publicSuffix}, a suffix shared by many owners`
    : "is under no public suffix Skipper knows";
  p.add(
    "domain.acmeEmail",
    `is required: ${first.at} (${first.domain}) ${why}, so no admin@ address can be assumed; set it to the address Let's Encrypt should write to about expiring certificates`,
  );
  return undefined;
}
