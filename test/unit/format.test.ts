/** How the workspace shows money, instants and codes: exact decimals, the currency's digits, the policy's zone. */
import { describe, expect, it } from 'vitest';
import { codesInWords, day, instantText, moneyText, quantity } from '../../lambdas/adapters/local/web/format.ts';

const nb = (s: string) => s.replace(/ /g, '\u00a0');

describe('money, dates and codes for people', () => {
  it('formats money per currency with thousands separators and the currency decimals, from the decimal string', () => {
    expect(moneyText('15815.10', 'EUR')).toBe(nb('EUR 15,815.10'));
    expect(moneyText('8550', 'JPY')).toBe(nb('JPY 8,550'));
    expect(moneyText('1550', 'USD')).toBe(nb('USD 1,550.00'));
    expect(moneyText('1.234', 'BHD')).toBe(nb('BHD 1.234'));
    // Beyond a float's precision, and more decimals than the currency has: nothing rounded away.
    expect(moneyText('12345678901234567.89', 'EUR')).toBe(nb('EUR 12,345,678,901,234,567.89'));
    expect(moneyText('0.105', 'EUR')).toBe(nb('EUR 0.105'));
    expect(moneyText('-42.5', 'EUR')).toBe(nb('-EUR 42.50'));
    // No currency, or not an ISO code: grouped, and the page says the currency is unclear.
    expect(moneyText('319.00', null)).toBe('319.00');
    expect(moneyText(null, 'EUR')).toBeNull();
  });

  it('shows instants in the policy time zone, calendar dates as dates', () => {
    expect(instantText('2026-01-05T08:00:00.000Z', 'Europe/Berlin')).toBe('5 Jan 2026, 09:00 CET');
    expect(instantText('2026-07-05T08:00:00.000Z', 'Europe/Berlin')).toBe('5 Jul 2026, 10:00 CEST');
    expect(instantText('2026-07-05T08:00:00.000Z', 'America/New_York')).toBe('5 Jul 2026, 04:00 GMT-4');
    expect(day('2026-04-01')).toBe('<time datetime="2026-04-01">1 Apr 2026</time>');
  });

  it('names exception codes in words, each once', () => {
    const html = codesInWords(['PRICE_VARIANCE', 'PRICE_VARIANCE', 'NO_PO']);
    expect(html.match(/<li/g)).toHaveLength(2);
    expect(html).toContain('A price is above the purchase order price and its tolerance');
    expect(html).not.toMatch(/>PRICE_VARIANCE</);
    expect(quantity('12500.125')).toBe('12,500.125');
  });
});
