/**
 * Schema problems in words, for people: zod's issues ("Invalid input") rendered as what is wrong
 * with which field ("line 1: line_id is missing"). `zodWords` is a zod error map, passed to a
 * parse (`schema.safeParse(x, { error: zodWords })`); `placeOf` names a field path in words.
 */
import type * as z from 'zod';

type Issue = z.core.$ZodRawIssue;

const KIND: Record<string, string> = {
  string: 'text',
  number: 'a number',
  boolean: 'true or false',
  null: 'null',
  object: 'an object',
  array: 'a list',
  int: 'a whole number',
  date: 'a date',
};

/** What a value is, in a few words: `"bill"`, `true`, `a list`, `an object`. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'an object' : typeof v;
}

function either(kinds: readonly string[]): string {
  const words = [...new Set(kinds.map((k) => KIND[k] ?? k))];
  return words.length <= 1 ? (words[0] ?? 'something else') : `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
}

/** The types a union accepted, from its branches' issues (a nullable text field: text or null). */
function unionKinds(iss: Issue): string[] {
  const branches = ((iss as { errors?: unknown }).errors as { code: string; expected?: string }[][] | undefined) ?? [];
  return branches.flatMap((b) => b.filter((i) => i.code === 'invalid_type' && i.expected).map((i) => i.expected!));
}

/** A zod error map: each issue's message in words, without the field (which `placeOf` gives). */
export function zodWords(iss: Issue): string | undefined {
  const missing = !('input' in iss) || iss.input === undefined;
  switch (iss.code) {
    case 'invalid_type':
      if (missing) return 'is missing';
      // A coerced number that is not one: what was written is gone, only NaN is left.
      if (typeof iss.input === 'number' && Number.isNaN(iss.input)) return `must be ${either([iss.expected])}`;
      return `must be ${either([iss.expected])}, not ${describeValue(iss.input)}`;
    case 'invalid_union': {
      if (missing) return 'is missing';
      const kinds = unionKinds(iss).filter((k) => k !== 'null');
      return kinds.length ? `must be ${either(kinds)}, not ${describeValue(iss.input)}` : `is not valid (${describeValue(iss.input)})`;
    }
    case 'invalid_value':
      return `must be ${either(iss.values.map((v) => JSON.stringify(v)))}, not ${describeValue(iss.input)}`;
    case 'too_big':
      return `must be at most ${String(iss.maximum)}${iss.origin === 'string' ? ' characters long' : iss.origin === 'array' ? ' items' : ''}, not ${describeValue(iss.input)}`;
    case 'too_small':
      return `must be at least ${String(iss.minimum)}${iss.origin === 'string' ? ' characters long' : iss.origin === 'array' ? ' items' : ''}, not ${describeValue(iss.input)}`;
    case 'unrecognized_keys':
      return `has ${iss.keys.length === 1 ? 'a field' : 'fields'} it does not know: ${iss.keys.join(', ')}`;
    case 'invalid_format':
      return `is not ${iss.format === 'email' ? 'an email address' : `a valid ${iss.format}`} (${describeValue(iss.input)})`;
    default:
      return undefined;
  }
}

/** Collections whose items people count from 1 by a name of their own. */
const ITEM_NAMES: Record<string, string> = { lines: 'line', tax_breakdown: 'tax row' };

/**
 * A field path in words: `lines[0].line_id` (or `['lines', 0, 'line_id']`) → `line 1: line_id`;
 * `supplier.name` stays; the whole document is `(document)`.
 */
export function placeOf(path: string | readonly PropertyKey[]): string {
  const parts: PropertyKey[] = typeof path === 'string' ? [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]!)) : [...path];
  if (parts.length === 0 || (parts.length === 1 && parts[0] === '(document)')) return '(document)';
  const places: string[] = [];
  let field: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    const next = parts[i + 1];
    if (typeof p === 'string' && typeof next === 'number') {
      places.push(...(field.length ? [field.join('.')] : []), `${ITEM_NAMES[p] ?? `${p} item`} ${next + 1}`);
      field = [];
      i++;
    } else {
      field.push(typeof p === 'number' ? `[${p}]` : String(p));
    }
  }
  return [...places, ...(field.length ? [field.join('.')] : [])].join(': ');
}

/** One problem in words: `line 1: line_id is missing`. */
export function problemInWords(path: string | readonly PropertyKey[], message: string): string {
  const place = placeOf(path);
  return place === '(document)' ? `the document ${message}` : `${place} ${message}`;
}
