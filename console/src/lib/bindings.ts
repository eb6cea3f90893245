// Which apps bind a service, read from the apps' env names: binding a service gives an app variables prefixed with
// the service's name (`orders-db` → `ORDERS_DB_HOST`, …; core/render/binding.ts), and every binding has `<PREFIX>HOST`.
// Used when the console-api does not report bound apps itself.

export function servicePrefix(service: string): string {
  const upper = service.toUpperCase().replaceAll("-", "_");
  return /^[0-9]/.test(upper) ? `SERVICE_${upper}_` : `${upper}_`;
}

export function boundApps(service: string, apps: readonly { name: string; env: readonly string[] }[]): string[] {
  const marker = `${servicePrefix(service)}HOST`;
  return apps.filter((app) => app.env.includes(marker)).map((app) => app.name);
}
