import { describe, expect, it } from 'vitest';
import { Decimal, formatAmount, isCurrencyCode, minorUnit } from '../../lambdas/core/money.ts';

const d = (s: string) => Decimal.parse(s);

describe('Decimal', () => {
  it('adds without binary-float error', () => {
    expect(d('0.1').add(d('0.2')).toString()).toBe('0.3');
  });

  it.each([
    { case: 'half rounds up', value: '2.345', scale: 2, out: '2.35' },
    { case: 'below half rounds down', value: '2.344', scale: 2, out: '2.34' },
    { case: 'negative half rounds away from zero', value: '-2.345', scale: 2, out: '-2.35' },
    { case: 'JPY has no minor digits', value: '1200.5', scale: 0, out: '1201' },
    { case: 'BHD keeps three', value: '1.0005', scale: 3, out: '1.001' },
    { case: 'widening pads', value: '7', scale: 2, out: '7.00' },
  ])('rounds half-up: $case', ({ value, scale, out }) => {
    expect(d(value).toFixed(scale)).toBe(out);
  });

  it('divides with half-up rounding', () => {
    expect(d('10').div(d('3'), 2).toFixed()).toBe('3.33');
    expect(d('2').div(d('3'), 2).toFixed()).toBe('0.67');
    expect(d('-2').div(d('3'), 2).toFixed()).toBe('-0.67');
  });

  it('multiplies exactly', () => {
    expect(d('12.50').mul(d('3')).toString()).toBe('37.5');
    expect(d('0.1').mul(d('0.1')).toString()).toBe('0.01');
  });

  it.each([
    { case: 'empty', text: '' },
    { case: 'letters', text: '12a' },
    { case: 'comma decimal', text: '1,5' },
    { case: 'two points', text: '1.2.3' },
  ])('refuses $case', ({ text }) => {
    expect(Decimal.tryParse(text)).toBeNull();
  });

  it('takes JSON numbers by their text and exponents exactly', () => {
    expect(Decimal.from(1234.5).toFixed(2)).toBe('1234.50');
    expect(d('1.5e3').toString()).toBe('1500');
    expect(d('15e-4').toString()).toBe('0.0015');
  });

  it('compares across scales', () => {
    expect(d('1.10').eq(d('1.1'))).toBe(true);
    expect(d('1.101').gt(d('1.1'))).toBe(true);
  });
});

describe('currencies', () => {
  it.each([
    { code: 'EUR', unit: 2 },
    { code: 'JPY', unit: 0 },
    { code: 'BHD', unit: 3 },
    { code: 'KWD', unit: 3 },
  ])('$code has minor unit $unit', ({ code, unit }) => {
    expect(isCurrencyCode(code)).toBe(true);
    expect(minorUnit(code)).toBe(unit);
  });

  it('knows what is not a currency', () => {
    expect(isCurrencyCode('XYZ')).toBe(false);
    expect(isCurrencyCode('eur')).toBe(false);
  });

  it('formats with the minor unit', () => {
    expect(formatAmount(d('1200'), 'JPY')).toBe('1200');
    expect(formatAmount(d('5'), 'BHD')).toBe('5.000');
  });
});
