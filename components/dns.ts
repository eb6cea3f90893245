/**
 * `DnsRecords`: a set of Cloudflare DNS records in one zone (`@pulumi/cloudflare` v6 `DnsRecord`; the older `Record`
 * is deprecated). The gateway uses it for `<base>` and `*.<base>`; custom domains can use it the same way.
 *
 * Records default to DNS-only (`proxied: false`) with an automatic TTL (`ttl: 1`; v6 requires a ttl).
 */
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { normaliseDomain } from "../core/naming.ts";

export interface DnsRecordSpec {
  /** Full record name, e.g. `skipper.run` or `*.skipper.run`. */
  readonly name: string;
  readonly type: "A" | "AAAA" | "CNAME";
  /** The address (A/AAAA) or target name (CNAME). */
  readonly content: pulumi.Input<string>;
  /** Send traffic through Cloudflare's proxy. @default false */
  readonly proxied?: boolean;
  /** Seconds; 1 means automatic. @default 1 */
  readonly ttl?: number;
  /** Shown in Cloudflare's dashboard. @default "managed by Skipper" */
  readonly comment?: string;
}

export interface DnsRecordsArgs {
  /** The Cloudflare zone id (dashboard → the zone → Overview → API). */
  readonly zoneId: pulumi.Input<string>;
  readonly records: readonly DnsRecordSpec[];
  /** Domain the logical names are relative to (`apex`, `wildcard`). @default none: names spell the whole domain */
  readonly base?: string;
  /** The Cloudflare provider; @default the ambient one (configured with `cloudflare:apiToken`) */
  readonly provider?: cloudflare.Provider;
}

/**
 * A stable logical name for a record: `apex` for the zone-relative root of `base`, `wildcard` for `*.<…>`, else the
 * name with dots as dashes. Renaming changes the logical name and so re-creates the record: keep it stable.
 */
export function recordLogicalName(record: Pick<DnsRecordSpec, "name" | "type">, base?: string): string {
  const name = normaliseDomain(record.name);
  let label: string;
  if (base !== undefined && name === base) label = "apex";
  else if (base !== undefined && name === `*.${base}`) label = "wildcard";
  else label = name.replaceAll("*", "wildcard").replaceAll(".", "-");
  return `${label}-${record.type.toLowerCase()}`;
}

export class DnsRecords extends pulumi.ComponentResource {
  /** The records by logical name. */
  readonly records: ReadonlyMap<string, cloudflare.DnsRecord>;

  constructor(name: string, args: DnsRecordsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("skipper:dns:DnsRecords", name, {}, opts);
    const records = new Map<string, cloudflare.DnsRecord>();
    for (const spec of args.records) {
      const logical = recordLogicalName(spec, args.base);
      if (records.has(logical)) throw new Error(`DNS record ${spec.type} ${spec.name} is listed twice`);
      records.set(
        logical,
        new cloudflare.DnsRecord(
          `${name}-${logical}`,
          {
            zoneId: args.zoneId,
            name: spec.name,
            type: spec.type,
            content: spec.content,
            ttl: spec.ttl ?? 1,
            proxied: spec.proxied ?? false,
            comment: spec.comment ?? "managed by Skipper",
          },
          { parent: this, ...(args.provider ? { provider: args.provider } : {}) },
        ),
      );
    }
    this.records = records;
    this.registerOutputs({ names: args.records.map((r) => r.name) });
  }
}
