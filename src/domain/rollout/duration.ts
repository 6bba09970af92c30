/**
 * Durations as admins type and read them: `30s`, `90m`, `24h`, `1d`, `2w`, `1h30m`.
 * Pure text ↔ seconds; no clock.
 */

const unitSeconds = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 } as const;
type Unit = keyof typeof unitSeconds;

function isUnit(u: string): u is Unit {
  return Object.hasOwn(unitSeconds, u);
}

/** Seconds from `24h`, `1d12h`, `90m` or a bare number of seconds; null when unreadable. */
export function parseDuration(text: string): number | null {
  const t = text.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t);
  if (!/^(\d+(\.\d+)?[smhdw])+$/.test(t)) return null;
  let total = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)([smhdw])/g)) {
    const unit = m[2] ?? '';
    if (!isUnit(unit)) return null;
    total += Number(m[1]) * unitSeconds[unit];
  }
  return Math.round(total);
}

/** The shortest readable form: 86400 → `24h`, 172800 → `2d`, 5400 → `1h30m`, 0 → `0s`. */
export function formatDuration(seconds: number): string {
  let s = Math.max(0, Math.round(seconds));
  if (s === 0) return '0s';
  if (s >= 2 * 86_400 && s % 86_400 === 0) return `${s / 86_400}d`;
  const parts: string[] = [];
  for (const [unit, size] of [
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    const n = Math.floor(s / size);
    if (n > 0) parts.push(`${n}${unit}`);
    s -= n * size;
  }
  return parts.join('');
}

/** A share for humans: 97.2%, 100%, 6.1% (one decimal, no trailing .0). */
export function formatPercent(p: number): string {
  const rounded = Math.round(p * 10) / 10;
  return `${Number.isInteger(rounded) ? rounded.toFixed(0) : rounded.toFixed(1)}%`;
}

/** Epoch ms as ISO text for messages. */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString();
}
