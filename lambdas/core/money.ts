/**
 * Exact decimal arithmetic for amounts and quantities.
 *
 * A `Decimal` is an integer (`bigint`) of units and a scale (digits after the point):
 * `12.50` is `{ units: 1250n, scale: 2 }`. Nothing here ever touches a binary float, so
 * `0.1 + 0.2` is `0.3`. Rounding is explicit and named (`halfUp`: half away from zero, the
 * commercial rounding EN 16931 and most AP controllers expect).
 */
export class Decimal {
  /** The text `toString` gives, kept once computed: a Decimal never changes, and amounts are written often. */
  #text: string | undefined = undefined;

  private constructor(
    readonly units: bigint,
    readonly scale: number,
  ) {}

  static readonly ZERO = new Decimal(0n, 0);
  static readonly ONE = new Decimal(1n, 0);
  static readonly HUNDRED = new Decimal(100n, 0);

  private static readonly PATTERN = /^([+-])?(\d+)(?:\.(\d+))?$/;
  private static readonly EXP_PATTERN = /^([+-])?(\d+)(?:\.(\d+))?[eE]([+-]?\d+)$/;

  /** Parses `"1234.50"`, `"-3"`, `"1e3"`; returns `null` for anything else (no throw). */
  static tryParse(text: string): Decimal | null {
    const t = text.trim();
    if (t.length === 0 || t.length > 64) return null;
    const quick = parsePlain(t);
    if (quick) return quick;
    let m = Decimal.PATTERN.exec(t);
    if (m) {
      const frac = m[3] ?? '';
      const units = BigInt((m[2] ?? '0') + frac) * (m[1] === '-' ? -1n : 1n);
      return new Decimal(units, frac.length);
    }
    m = Decimal.EXP_PATTERN.exec(t);
    if (m) {
      const frac = m[3] ?? '';
      const exp = Number(m[4]);
      if (Math.abs(exp) > 40) return null;
      const units = BigInt((m[2] ?? '0') + frac) * (m[1] === '-' ? -1n : 1n);
      const scale = frac.length - exp;
      return scale >= 0 ? new Decimal(units, scale) : new Decimal(units * pow10(-scale), 0);
    }
    return null;
  }

  /** Parses or throws a `RangeError` naming the text. */
  static parse(text: string): Decimal {
    const d = Decimal.tryParse(text);
    if (!d) throw new RangeError(`not a decimal number: "${text}"`);
    return d;
  }

  /**
   * From a JSON value: decimal strings, or numbers (taken by their shortest round-trip
   * text, which is exactly what the sender wrote for any amount with up to 15 digits).
   */
  static from(value: string | number | bigint | Decimal): Decimal {
    if (value instanceof Decimal) return value;
    if (typeof value === 'bigint') return new Decimal(value, 0);
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
      return Decimal.parse(String(value));
    }
    return Decimal.parse(value);
  }

  static ofUnits(units: bigint, scale: number): Decimal {
    return new Decimal(units, scale);
  }

  private rescaled(scale: number): bigint {
    return scale >= this.scale ? this.units * pow10(scale - this.scale) : this.units;
  }

  add(o: Decimal): Decimal {
    // Adding a zero of no more digits is the other operand (a running sum's start, an absent quantity).
    if (o.units === 0n && o.scale <= this.scale) return this;
    if (this.units === 0n && this.scale <= o.scale) return o;
    const s = Math.max(this.scale, o.scale);
    return new Decimal(this.rescaled(s) + o.rescaled(s), s);
  }

  sub(o: Decimal): Decimal {
    if (o.units === 0n && o.scale <= this.scale) return this;
    const s = Math.max(this.scale, o.scale);
    return new Decimal(this.rescaled(s) - o.rescaled(s), s);
  }

  mul(o: Decimal): Decimal {
    return normalizedOf(this.units * o.units, this.scale + o.scale);
  }

  neg(): Decimal {
    return new Decimal(-this.units, this.scale);
  }

  abs(): Decimal {
    return this.units < 0n ? this.neg() : this;
  }

  /** `this ÷ o`, rounded half away from zero to `scale` digits. */
  div(o: Decimal, scale: number): Decimal {
    if (o.units === 0n) throw new RangeError('division by zero');
    // ÷ 1 (a price per one unit, the usual base quantity) is the rounding alone.
    if (o.units === 1n && o.scale === 0) return this.round(scale);
    // this/o = (tu / 10^ts) / (ou / 10^os) ; want q = round(this/o * 10^scale)
    let num = this.units * pow10(scale + o.scale);
    let den = o.units * pow10(this.scale);
    if (den < 0n) {
      den = -den;
      num = -num;
    }
    return new Decimal(roundHalfUpDiv(num, den), scale);
  }

  /** Rounds half away from zero to `scale` digits (never raises the scale's precision). */
  round(scale: number): Decimal {
    if (scale === this.scale) return this;
    if (scale >= this.scale) return new Decimal(this.rescaled(scale), scale);
    return new Decimal(roundHalfUpDiv(this.units, pow10(this.scale - scale)), scale);
  }

  /** `|this − o| > limit`, without the intermediate decimals. */
  differsByMoreThan(o: Decimal, limit: Decimal): boolean {
    const s = Math.max(this.scale, o.scale, limit.scale);
    const d = this.rescaled(s) - o.rescaled(s);
    return (d < 0n ? -d : d) > limit.rescaled(s);
  }

  cmp(o: Decimal): -1 | 0 | 1 {
    const s = Math.max(this.scale, o.scale);
    const a = this.rescaled(s);
    const b = o.rescaled(s);
    return a < b ? -1 : a > b ? 1 : 0;
  }

  eq(o: Decimal): boolean {
    return this.cmp(o) === 0;
  }
  gt(o: Decimal): boolean {
    return this.cmp(o) > 0;
  }
  gte(o: Decimal): boolean {
    return this.cmp(o) >= 0;
  }
  lt(o: Decimal): boolean {
    return this.cmp(o) < 0;
  }
  lte(o: Decimal): boolean {
    return this.cmp(o) <= 0;
  }
  isZero(): boolean {
    return this.units === 0n;
  }
  isNegative(): boolean {
    return this.units < 0n;
  }
  isPositive(): boolean {
    return this.units > 0n;
  }

  /** Drops trailing zeros of the fraction (`1.500` → `1.5`). */
  normalized(): Decimal {
    if (this.scale === 0 || this.units % 10n !== 0n) return this;
    return normalizedOf(this.units, this.scale);
  }

  /** Plain text with exactly `scale` digits when given (rounded half-up), else as held. */
  toFixed(scale?: number): string {
    const d = scale === undefined ? this : this.round(scale);
    const neg = d.units < 0n;
    const digits = (neg ? -d.units : d.units).toString().padStart(d.scale + 1, '0');
    const int = digits.slice(0, digits.length - d.scale);
    const frac = digits.slice(digits.length - d.scale);
    return (neg ? '-' : '') + int + (d.scale > 0 ? '.' + frac : '');
  }

  toString(): string {
    return (this.#text ??= this.normalized().toFixed());
  }

  toJSON(): string {
    return this.toString();
  }
}

/** `units / 10^scale` without the trailing zeros of its fraction, as one Decimal. */
function normalizedOf(units: bigint, scale: number): Decimal {
  if (scale === 0) return Decimal.ofUnits(units, 0);
  if (units >= -MAX_SAFE && units <= MAX_SAFE) {
    // Within a double's exact integers the zeros come off without a bigint per step.
    let n = Number(units);
    let s = scale;
    while (s > 0 && n % 10 === 0) {
      n /= 10;
      s -= 1;
    }
    return Decimal.ofUnits(s === scale ? units : BigInt(n), s);
  }
  let u = units;
  let s = scale;
  while (s > 0 && u % 10n === 0n) {
    u /= 10n;
    s -= 1;
  }
  return Decimal.ofUnits(u, s);
}
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

const MAX_SAFE_DIGITS = 15;

/**
 * The common case of `tryParse` without a regular expression: `[+-]digits[.digits]` with at most
 * 15 digits, whose value a double holds exactly, so the units are built from one number. Null
 * for anything else (the regular expressions decide).
 */
function parsePlain(t: string): Decimal | null {
  let i = 0;
  let neg = false;
  const first = t.charCodeAt(0);
  if (first === 45 /* - */ || first === 43 /* + */) {
    neg = first === 45;
    i = 1;
  }
  let acc = 0;
  let digits = 0;
  let intDigits = 0;
  let dot = -1;
  for (; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (++digits > MAX_SAFE_DIGITS) return null;
      acc = acc * 10 + (c - 48);
      if (dot < 0) intDigits++;
    } else if (c === 46 /* . */ && dot < 0) dot = i;
    else return null;
  }
  // `5.` and `.5` and a lone sign are not decimals (as the pattern says).
  if (intDigits === 0 || (dot >= 0 && digits === intDigits)) return null;
  const units = BigInt(acc);
  return Decimal.ofUnits(neg ? -units : units, digits - intDigits);
}

const POW10: bigint[] = Array.from({ length: 80 }, (_, i) => 10n ** BigInt(i));

/** 10^n as a bigint, from a table for the usual sizes (BigInt exponentiation is slow). */
function pow10(n: number): bigint {
  return POW10[n] ?? 10n ** BigInt(n);
}

function roundHalfUpDiv(num: bigint, den: bigint): bigint {
  // den > 0
  const q = num / den;
  const r = num % den;
  if (r === 0n) return q;
  const twice = (r < 0n ? -r : r) * 2n;
  if (twice >= den) return num < 0n ? q - 1n : q + 1n;
  return q;
}

/** ISO 4217 active currency codes whose minor unit is not 2. */
const MINOR_UNITS: Record<string, number> = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0,
  UYI: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  CLF: 4, UYW: 4,
};

/** ISO 4217 active codes (list one, 2024 edition), funds and precious-metal codes excluded. */
const ISO_4217 = new Set(
  (
    'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP ' +
    'BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB ' +
    'EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD ' +
    'JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU ' +
    'MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD ' +
    'RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY ' +
    'TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG ZWL'
  ).split(' '),
);

/** True for an ISO 4217 currency code (upper case, three letters, in the active list). */
export function isCurrencyCode(code: string): boolean {
  return ISO_4217.has(code);
}

/** The currency's minor unit (digits after the point): JPY 0, EUR 2, BHD 3. */
export function minorUnit(currency: string): number {
  return MINOR_UNITS[currency] ?? 2;
}

/** One minor unit of the currency as a decimal (`0.01` for EUR, `1` for JPY). */
export function oneMinorUnit(currency: string): Decimal {
  const scale = minorUnit(currency);
  return ONE_MINOR[scale] ?? Decimal.ofUnits(1n, scale);
}
const ONE_MINOR: readonly Decimal[] = [0, 1, 2, 3, 4].map((s) => Decimal.ofUnits(1n, s));

/** An amount shown with the currency's minor unit (`"1234.50"`, `"1200"` for JPY). */
export function formatAmount(amount: Decimal, currency: string): string {
  return amount.toFixed(isCurrencyCode(currency) ? minorUnit(currency) : Math.max(2, amount.scale));
}
