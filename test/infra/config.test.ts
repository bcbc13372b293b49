/** The configuration is validated at synth, with errors that say what to fix. */
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../lib/config.ts';
import { CDK_CONTEXT } from './support.ts';

const example = () => structuredClone(CDK_CONTEXT.billMatcher) as Record<string, any>;

describe('configuration', () => {
  it('accepts the example of cdk.json, with the documented defaults', () => {
    const c = parseConfig(example());
    expect(c).toMatchObject({ stackName: 'BillMatcher', region: 'eu-west-1', sweepHour: 7, requireTls: true });
    expect(c.extraction.enabled).toBe(true);
  });

  it('accepts the configuration as JSON text (cdk -c billMatcher=…)', () => {
    expect(parseConfig(JSON.stringify(example())).domain).toBe('bills.example.com');
  });

  it.each([
    { case: 'missing entirely', change: () => undefined, message: /context billMatcher is missing: set it in cdk\.json/ },
    { case: 'a recipient outside the domain', change: (c: any) => (c.recipients = ['ap@other.com']), message: /billMatcher\.recipients\[0\]: must be an address in bills\.example\.com/ },
    { case: 'a bad time zone', change: (c: any) => (c.timeZone = 'Berlin'), message: /billMatcher\.timeZone: must be an IANA time zone/ },
    { case: 'a bad region', change: (c: any) => (c.region = 'Ireland'), message: /billMatcher\.region: must be an AWS region such as eu-west-1/ },
    { case: 'no domain', change: (c: any) => delete c.domain, message: /billMatcher\.domain: is required/ },
    { case: 'an unsupported log retention', change: (c: any) => (c.retention.logDays = 100), message: /billMatcher\.retention\.logDays: must be one of 1, 3, 5/ },
    { case: 'Glacier after expiry', change: (c: any) => (c.retention.glacierAfterDays = 5000), message: /billMatcher\.retention\.glacierAfterDays: must be fewer days than retention\.documentsDays/ },
    { case: 'a negative budget', change: (c: any) => (c.budget.monthlyUsd = -1), message: /billMatcher\.budget\.monthlyUsd: must be a positive amount in USD/ },
    { case: 'a sweep hour of 24', change: (c: any) => (c.sweepHour = 24), message: /billMatcher\.sweepHour: must be an hour from 0 to 23/ },
    { case: 'a bad alarm email', change: (c: any) => (c.alarmEmail = 'ops'), message: /billMatcher\.alarmEmail: must be an email address/ },
    { case: 'a hosted zone of another domain', change: (c: any) => (c.hostedZone = { id: 'Z123ABC', name: 'other.com' }), message: /billMatcher\.hostedZone\.name: must be bills\.example\.com or a parent domain of it/ },
  ])('refuses $case, saying what to fix', ({ case: name, change, message }) => {
    const raw = name === 'missing entirely' ? undefined : example();
    if (raw) change(raw);
    expect(() => parseConfig(raw)).toThrow(ConfigError);
    expect(() => parseConfig(raw)).toThrow(message);
  });

  it('lists every problem at once', () => {
    const raw = example();
    raw.region = 'x';
    raw.alarmEmail = 'y';
    try {
      parseConfig(raw);
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message.split('\n').filter((l) => l.startsWith('  billMatcher.'))).toHaveLength(2);
    }
  });
});
