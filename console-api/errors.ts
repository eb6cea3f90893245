/**
 * Errors a route answers with: a status and a message for the person reading it. The error handler (plugins/errors.ts)
 * turns them into `{"error": message}`; anything else becomes a 500 (or 502 for a failed Kubernetes call) without
 * internals.
 */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string) => new HttpError(400, message);
export const unauthorized = (message: string) =>
  new HttpError(401, message, { "www-authenticate": 'Bearer realm="skipper-console"' });
export const forbidden = (message: string) => new HttpError(403, message);
export const notFound = (message: string) => new HttpError(404, message);
export const conflict = (message: string) => new HttpError(409, message);
