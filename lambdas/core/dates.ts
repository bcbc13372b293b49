/** Calendar dates (`YYYY-MM-DD`) and time-zone arithmetic without a date library. */

/** True for a real calendar date in `YYYY-MM-DD` form (`2026-02-30` is not). */
export function isRealDate(text: string | null | undefined): text is string {
  if (!text) return false;
  // `YYYY-MM-DD` with ASCII digits, read digit by digit (no regular expression match per bill).
  if (text.length !== 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return false;
  const y = digitsAt(text, 0, 4);
  const mo = digitsAt(text, 5, 2);
  const d = digitsAt(text, 8, 2);
  if (y < 0 || mo < 0 || d < 0) return false;
  if (mo < 1 || mo > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = mo === 2 ? (leap ? 29 : 28) : mo === 4 || mo === 6 || mo === 9 || mo === 11 ? 30 : 31;
  return d <= days;
}

/** The value of `count` ASCII digits from `at`, or -1 when one is not a digit. */
function digitsAt(text: string, at: number, count: number): number {
  let v = 0;
  for (let i = at; i < at + count; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
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
