/**
 * `bm summary` on the running local stack: the month's figures printed, the email written to
 * the outbox (and shown by the web page), once per month unless asked to resend.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../lambdas/cli/main.ts';
import { loadMasterFolder } from '../../lambdas/adapters/local/master-folder.ts';
import { DEMO, signedInFetch, testStack, type TestStack } from '../support/local.ts';

const MARCH_10 = Date.parse('2026-03-10T10:00:00+01:00');
let stack: TestStack;

async function bm(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { code, out, err };
}

beforeAll(async () => {
  stack = await testStack({ now: () => MARCH_10 });
  await stack.store.importMaster(await loadMasterFolder(join(DEMO, 'master')));
  for (const f of ['01-acme-office.xml', '03-castor-drills.xml', '05-acme-office-resent.cii.xml', '06-delta-freight.xml']) {
    await stack.submit({ bytes: new Uint8Array(readFileSync(join(DEMO, 'bills', f))), name: f });
  }
}, 60_000);

afterAll(async () => {
  await stack?.dispose();
});

describe('bm summary --month 2026-03', () => {
  it('prints the figures table and writes the email to the outbox, where the web page lists it', async () => {
    const r = await bm('summary', '--month', '2026-03', '--home', stack.home);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^figure\s+March 2026\s+February 2026/);
    expect(r.out).toMatch(/bills received\s+4\s+0/);
    expect(r.out).toMatch(/duplicates stopped\s+1 bill, /);
    expect(r.out).toContain(`${stack.webUrl}/outbox`);
    const mails = (await stack.outbox.list()).filter((m) => m.tag === 'monthly-summary');
    expect(mails).toHaveLength(1);
    const mail = (await stack.outbox.read(mails[0]!.file))!;
    expect(mail.attachments.map((a) => a.filename)).toEqual(['bills-by-week.png', 'bills-2026-03.csv']);
    // The web page answers a signed-in session only (the one-time link `bm start` prints).
    const web = await signedInFetch(stack);
    const page = await (await web('/outbox')).text();
    expect(page).toContain('Bills summary, March 2026');
    // The email's page shows the chart: the inline image's cid became the image itself.
    const shown = await (await web(`/outbox/${encodeURIComponent(mails[0]!.file)}`)).text();
    expect(shown).toContain('data:image/png;base64,');
  });

  it('a second run sends nothing again; --resend writes it again', async () => {
    const again = await bm('summary', '--month', '2026-03', '--home', stack.home);
    expect(again.code).toBe(0);
    expect(again.out).toContain('was sent before');
    expect((await stack.outbox.list()).filter((m) => m.tag === 'monthly-summary')).toHaveLength(1);
    const resend = await bm('summary', '--month', '2026-03', '--resend', '--home', stack.home);
    expect(resend.code).toBe(0);
    expect(readdirSync(stack.outboxDir).filter((f) => f.includes('monthly-summary'))).toHaveLength(2);
  });

  it.each([
    { case: 'a month that is not one', args: ['--month', '2026-13'], message: /--month: "2026-13" is not a month/ },
    { case: '--region without --stack', args: ['--region', 'eu-west-1'], message: /--region goes with --stack/ },
  ])('refuses $case', async ({ args, message }) => {
    const r = await bm('summary', ...args, '--home', stack.home);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });
});
