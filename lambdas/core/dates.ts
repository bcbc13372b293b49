/** Calendar dates (`YYYY-MM-DD`) and time-zone arithmetic without a date library. */

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date in `YYYY-MM-DD` form (`2026-02-30` is not). */
export function isRealDate(text: string | null | undefined): text is string {
  if (!text) return false;
  const m = ISO_DATE.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = mo === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(mo) ? 30 : 31;
  return d <= days;
}

/** Whole days from `a` to `b` (both real `YYYY-MM-DD` dates). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

export interface LocalTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** 0 = Sunday … 6 = Saturday */
  readonly weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      weekday: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when the IANA time zone is known to this runtime. */
export function isTimeZone(tz: string): boolean {
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

// Intl formatting is slow (microseconds a call) and the same instant is asked for often.
const recent = new Map<string, LocalTime>();

/** The wall-clock time in `timeZone` at the instant `epochMs`. */
export function localTime(epochMs: number, timeZone: string): LocalTime {
  const k = `${Math.floor(epochMs / 1000)}|${timeZone}`;
  const hit = recent.get(k);
  if (hit) return hit;
  const t = computeLocalTime(epochMs, timeZone);
  if (recent.size > 256) recent.clear();
  recent.set(k, t);
  return t;
}

function computeLocalTime(epochMs: number, timeZone: string): LocalTime {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(epochMs))) parts[p.type] = p.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: WEEKDAYS.indexOf(parts.weekday ?? ''),
  };
}

/** Offset of `timeZone` from UTC at `epochMs`, in minutes (Berlin in winter: +60). */
export function offsetMinutes(epochMs: number, timeZone: string): number {
  const t = localTime(epochMs, timeZone);
  const asUtc = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
  return Math.round((asUtc - Math.floor(epochMs / 1000) * 1000) / 60_000);
}

/** The instant at which the wall clock in `timeZone` shows the given local time. */
export function zonedToEpoch(year: number, month: number, day: number, hour: number, minute: number, timeZone: string): number {
  const guess = Date.UTC(year, month - 1, day, hour, minute);
  let epoch = guess - offsetMinutes(guess, timeZone) * 60_000;
  // A second pass settles the offset across a DST change.
  epoch = guess - offsetMinutes(epoch, timeZone) * 60_000;
  return epoch;
}

/** ISO 8601 with the zone's offset, to the second: `2026-03-02T08:00:00+01:00`. */
export function formatZoned(epochMs: number, timeZone: string): string {
  const t = localTime(epochMs, timeZone);
  const off = offsetMinutes(epochMs, timeZone);
  const p2 = (n: number) => String(n).padStart(2, '0');
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off);
  return `${t.year}-${p2(t.month)}-${p2(t.day)}T${p2(t.hour)}:${p2(t.minute)}:${p2(t.second)}${sign}${p2(Math.floor(abs / 60))}:${p2(abs % 60)}`;
}
