// Human-readable figures for the views.

export function formatBytes(bytes: number | undefined | null): string {
  if (bytes == null || !Number.isFinite(bytes)) return "—";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 10 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

export function formatCpu(cores: number | undefined | null): string {
  if (cores == null || !Number.isFinite(cores)) return "—";
  if (cores < 1) return `${Math.round(cores * 1000)}m`;
  return `${Number.isInteger(cores) ? cores : cores.toFixed(2)} cores`;
}

/** A share of a capacity as a whole percentage, or null when either side is unknown. */
export function percent(used: number | undefined | null, total: number | undefined | null): number | null {
  if (used == null || total == null || !(total > 0)) return null;
  return Math.min(100, Math.round((used / total) * 100));
}

/** "in 42 s", "in 3 min" — for a wait such as a 429's Retry-After. */
export function formatWait(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, Math.ceil(seconds))} s`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} min`;
}

export function formatAge(iso: string | undefined, now = Date.now()): string {
  if (!iso) return "";
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return "";
  const seconds = Math.max(0, Math.round((now - then) / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)}m ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)}h ago`;
  return `${Math.round(seconds / 86400)}d ago`;
}
