/**
 * The gateway's own small answers (unknown host, bad request, upstream trouble, overload). Plain HTML, no details
 * about the registry or upstream addresses, never cached.
 */
import type { ServerResponse } from "node:http";

const TITLES: Record<number, string> = {
  400: "Bad request",
  404: "No app here",
  502: "Upstream unavailable",
  503: "Too busy",
  504: "Upstream timed out",
};

const MESSAGES: Record<number, string> = {
  400: "The request could not be understood by the gateway (check the Host header).",
  404: "No Skipper app is registered under this name.",
  502: "The cluster serving this name could not be reached. Try again shortly.",
  503: "This cluster has too many requests in progress. Retry in a moment.",
  504: "The cluster serving this name did not answer in time.",
};

const rendered = new Map<number, Buffer>();

function page(status: number): Buffer {
  let body = rendered.get(status);
  if (!body) {
    const title = TITLES[status] ?? "Error";
    const message = MESSAGES[status] ?? "";
    body = Buffer.from(
      `<!doctype html><html><head><meta charset="utf-8"><title>${status} ${title}</title></head>` +
        `<body><h1>${status} ${title}</h1><p>${message}</p><hr><p>Skipper gateway</p></body></html>\n`,
    );
    rendered.set(status, body);
  }
  return body;
}

/** Send the gateway's page for `status`; `extra` adds headers such as Retry-After. */
export function sendPage(res: ServerResponse, status: number, extra?: Record<string, string>, close = false): void {
  const body = page(status);
  res.writeHead(status, {
    "content-type": "text/html; charset=utf-8",
    "content-length": String(body.length),
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    ...(close ? { connection: "close" } : {}),
    ...extra,
  });
  res.end(body);
}

/** The same page as raw HTTP bytes, for an upgrade socket that has no ServerResponse. */
export function rawPage(status: number, extra?: Record<string, string>): Buffer {
  const body = page(status);
  let head = `HTTP/1.1 ${status} ${TITLES[status] ?? "Error"}\r\ncontent-type: text/html; charset=utf-8\r\n`;
  head += `content-length: ${body.length}\r\ncache-control: no-store\r\nconnection: close\r\n`;
  for (const [k, v] of Object.entries(extra ?? {})) head += `${k}: ${v}\r\n`;
  return Buffer.concat([Buffer.from(`${head}\r\n`, "latin1"), body]);
}
