/**
 * Who may act (spec/domain.md §8–§9), against a real DynamoDB (DynamoDB Local): the sender of an
 * email decides whether the bill may claim anything, the submitter and the reviewer never
 * approve or override, notices to a supplier go to the vendor master's address, and a reminder
 * revokes the links it replaces.
 */
import { describe, expect, it } from 'vitest';
import { approveLinkIn, requestApproval } from '../../lambdas/core/approval-desk.ts';
import { actOnLink, approvalLinks, LINK_TTL_DAYS, type ApprovalDeps } from '../../lambdas/core/approvals.ts';
import type { CanonicalBill } from '../../lambdas/core/bill.ts';
import { newBillId } from '../../lambdas/core/ids.ts';
import { MasterDataError } from '../../lambdas/core/master.ts';
import type { OutgoingEmail } from '../../lambdas/core/ports/mailer.ts';
import type { BillSource } from '../../lambdas/core/ports/store.ts';
import { processBill } from '../../lambdas/core/process-bill.ts';
import { dailySweep } from '../../lambdas/core/sweep.ts';
import { bill, master, POLICY_JSON, VENDORS_CSV } from '../support/builders.ts';
import { freshStore } from '../support/db.ts';

const NOW = Date.parse('2026-03-03T10:00:00+01:00');
const DAY = 86_400_000;
const SECRET = new TextEncoder().encode('test-signing-secret-of-enough-length');
const policyWith = (o: Record<string, unknown>) => JSON.stringify({ ...JSON.parse(POLICY_JSON), internal_domains: ['example.com'], ...o });

async function world(opts: { vendors?: string; policy?: string } = {}) {
  const store = await freshStore();
  await store.importMaster(master({ 'vendors.csv': opts.vendors ?? VENDORS_CSV, 'policy.json': opts.policy ?? policyWith({}) }));
  let clock = NOW;
  const sent: { to: string; subject: string; text: string }[] = [];
  const mails: OutgoingEmail[] = [];
  const deps: ApprovalDeps = { store, secret: SECRET, now: () => clock, notifySupplier: async (m) => void sent.push(m) };
  const submit = async (b: CanonicalBill, source: Partial<BillSource> = {}) =>
    processBill(
      { billId: newBillId(), canonical: b, readingExceptions: [], source: { input: 't', part: 0, format: 'bill-json', document_hash: newBillId(), submitter: null, ...source } },
      { store, now: () => clock },
    );
  const mailer = { send: async (m: OutgoingEmail) => (mails.push(m), { messageId: `m${mails.length}` }) };
  return { store, deps, submit, sent, mails, mailer, advance: (ms: number) => (clock += ms), now: () => clock };
}

/** An email source: From and the DMARC verdict SES reported. */
const emailFrom = (from: string, dmarc?: string): Partial<BillSource> => ({ format: 'ubl', email: { from, verdicts: dmarc ? { dmarc } : {} } });

/** 20,000 EUR from V003 (no approver, no category): the admin is first in line. */
const V003 = `${VENDORS_CSV}V003,Big Build AG,,DE555555555,DE02100100109307118603,invoices@bigbuild.example,EUR,,0,false,,\n`;
const big = (n = 'BIG-1', o: Partial<CanonicalBill> = {}) =>
  bill({
    invoice_number: n,
    po_reference: null,
    supplier: { name: 'Big Build AG', tax_id: 'DE555555555', iban: null, email: null },
    lines: [{ line_id: '1', item_code: 'X', description: 'Steel', quantity: '1', unit_price: '16806.72', net_amount: '16806.72' }],
    net_total: '16806.72',
    tax_total: '3193.28',
    total: '20000.00',
    ...o,
  });

describe('sender identity (§9)', () => {
  it('a bill "from" the controller without DMARC pass is unverified: needs review, claims nothing, no approver', async () => {
    const w = await world({ vendors: V003 });
    const b = await w.submit(big(), emailFrom('controller@example.com'));
    expect(b).toMatchObject({ state: 'needs_review', vendor_id: null, approvers: [], duplicate_key: null, document_key: null, spend: null, reservations: {} });
    expect(b.exceptions.map((e) => e.code)).toEqual(['SENDER_UNVERIFIED']);
    expect(b.exceptions[0]!.message).toContain('DMARC not reported');
  });

  it('anyone writing a vendor’s tax id cannot pre-claim its invoice number: the real bill is not a DUPLICATE', async () => {
    const w = await world({ vendors: V003 });
    const fake = await w.submit(big('REAL-77', { total: '0.00', tax_total: '0.00', net_total: '0.00', lines: [{ line_id: '1', item_code: 'X', quantity: '1', unit_price: '0', net_amount: '0.00' }] }), emailFrom('mallory@attacker.example', 'PASS'));
    expect(fake.exceptions.map((e) => e.code)).toEqual(['SENDER_UNVERIFIED']);
    const real = await w.submit(big('REAL-77'), emailFrom('billing@bigbuild.example', 'PASS'));
    expect(real.exceptions.map((e) => e.code)).not.toContain('DUPLICATE');
    expect(real.state).toBe('flagged');
  });

  it('the vendor’s own domain with DMARC pass is the vendor; a DMARC fail from it is not', async () => {
    const w = await world({ vendors: V003 });
    expect((await w.submit(big('V-1'), emailFrom('ar@bigbuild.example', 'PASS'))).exceptions.map((e) => e.code)).not.toContain('SENDER_UNVERIFIED');
    expect((await w.submit(big('V-2'), emailFrom('ar@bigbuild.example', 'FAIL'))).exceptions.map((e) => e.code)).toEqual(['SENDER_UNVERIFIED']);
  });

  it('a clerk confirming it in review decides it: it claims from then on, the clerk is in the audit and never approves', async () => {
    const w = await world({ vendors: V003 });
    const held = await w.submit(big('CONF-1'), emailFrom('ar@unknown-relay.example', 'PASS'));
    expect(held.state).toBe('needs_review');
    const reviewed = await processBill(
      {
        billId: held.bill_id,
        canonical: held.canonical,
        readingExceptions: [],
        source: held.source,
        replacing: { bill: held, review: { at: new Date(w.now()).toISOString(), actor: 'ap-admin@example.com', action: 'reviewed', from_state: 'needs_review', to_state: 'needs_review', message: 'sender confirmed by phone', codes: [] } },
      },
      { store: w.store, now: w.now },
    );
    expect(reviewed.exceptions.map((e) => e.code)).not.toContain('SENDER_UNVERIFIED');
    expect(reviewed).toMatchObject({ vendor_id: 'V003', reviewer: 'ap-admin@example.com' });
    expect(reviewed.duplicate_key).not.toBeNull();
    expect(reviewed.approvers).not.toContain('ap-admin@example.com');
    expect((await w.store.audit(held.bill_id)).map((a) => [a.action, a.actor])).toEqual([
      ['decided', 'system'],
      ['reviewed', 'ap-admin@example.com'],
      ['decided', 'system'],
    ]);
  });

  it('sender_check off takes From at its word (local inbox); operator input is trusted', async () => {
    const w = await world({ vendors: V003 });
    const local = await w.submit(big('L-1'), { ...emailFrom('someone@elsewhere.example'), sender_check: 'off' });
    expect(local.exceptions.map((e) => e.code)).not.toContain('SENDER_UNVERIFIED');
    const operator = await w.submit(big('L-2'), { submitter: 'clerk@example.com' });
    expect(operator.exceptions.map((e) => e.code)).not.toContain('SENDER_UNVERIFIED');
    // The policy's own setting wins over the channel's default.
    const strict = await world({ vendors: V003, policy: policyWith({ sender_check: 'strict' }) });
    expect((await strict.submit(big('L-3'), { ...emailFrom('someone@elsewhere.example'), sender_check: 'off' })).state).toBe('needs_review');
  });
});

describe('segregation of duties (§8)', () => {
  it('20,000 EUR mailed by the controller (verified, internal) needs two approvers, neither the controller', async () => {
    const w = await world({ vendors: V003 });
    const b = await w.submit(big(), emailFrom('Controller@Example.com', 'PASS'));
    expect(b.source.submitter).toBe('Controller@Example.com');
    expect(b.approvers).toEqual(['ap-admin@example.com', 'backup-approver@example.com']);
  });

  it('the dual threshold is on the absolute total: a −20,000 credit note needs two', async () => {
    const w = await world({ vendors: V003 });
    const credit = big('CN-1', { document_type: 'credit_note', lines: [{ line_id: '1', item_code: 'X', quantity: '-1', unit_price: '16806.72', net_amount: '-16806.72' }], net_total: '-16806.72', tax_total: '-3193.28', total: '-20000.00' });
    const b = await w.submit(credit);
    expect(b.approvers).toHaveLength(2);
  });

  it('the admin never overrides a blocked bill they submitted: the backup is asked, and the admin’s link is refused', async () => {
    const w = await world({ vendors: V003.replace(',0,false,,\n', ',0,true,,\n') });
    const b = await w.submit(big('BL-1'), emailFrom('ap-admin@example.com', 'PASS'));
    expect([b.state, b.approvers]).toEqual(['blocked', ['backup-approver@example.com']]);
    // A link minted for the admin anyway (say, before a policy change) changes nothing.
    const forged = approvalLinks({ ...b, approvers: ['ap-admin@example.com'] }, w.now(), SECRET)['ap-admin@example.com']!;
    await w.store.commitTransition({ bill: { ...b, version: b.version + 1, approvers: ['ap-admin@example.com'] }, expectedVersion: b.version, audit: [{ at: 'x', actor: 'system', action: 'test', from_state: 'blocked', to_state: 'blocked', message: 'approvers edited' }], nonce: null, spend: null, releases: [], duplicateClaim: null });
    expect(await actOnLink(forged.approve, { reason: 'mine' }, w.deps)).toMatchObject({ kind: 'refused', reason: expect.stringContaining('segregation of duties') });
    expect((await w.store.getBill(b.bill_id))!.state).toBe('blocked');
  });

  it('a gate-blocked bill goes to the next in line when the admin submitted it', async () => {
    const w = await world({ vendors: V003.replace('invoices@bigbuild.example,EUR,,', 'invoices@bigbuild.example,EUR,20000,') });
    const first = await w.submit(big('G-1'), emailFrom('ap-admin@example.com', 'PASS'));
    const second = await w.submit(big('G-2', { total: '1000.00', tax_total: '159.66', net_total: '840.34', lines: [{ line_id: '1', item_code: 'X', quantity: '1', unit_price: '840.34', net_amount: '840.34' }] }), emailFrom('ap-admin@example.com', 'PASS'));
    const l1 = approvalLinks(first, w.now(), SECRET);
    for (const a of first.approvers) await actOnLink(l1[a]!.approve, { reason: 'agreed' }, w.deps);
    const l2 = approvalLinks(second, w.now(), SECRET);
    const r = await actOnLink(l2[second.approvers[0]!]!.approve, { reason: 'agreed' }, w.deps);
    expect(r).toMatchObject({ kind: 'done', bill: { state: 'blocked', approvers: ['backup-approver@example.com'] } });
  });

  it('the policy import refuses dual approval with fewer than three distinct people', async () => {
    const refused = () => master({ 'policy.json': policyWith({ backup_approvers: ['AP-ADMIN@example.com'] }) });
    expect(refused).toThrow(MasterDataError);
    expect(refused).toThrow(/policy\.json: backup_approvers: dual_approval_threshold needs at least three different people/);
    expect(() => master({ 'policy.json': policyWith({ backup_approvers: [], dual_approval_threshold: null }) })).not.toThrow();
  });
});

describe('notices to the supplier go to the vendor master (§8)', () => {
  it('query and reject never go to an address written in the bill', async () => {
    const w = await world();
    const withAddr = (n: string) =>
      bill({ invoice_number: n, supplier: { name: 'Acme GmbH', tax_id: 'DE123456789', iban: null, email: 'mallory@attacker.example' }, total: '1190.00', tax_total: '1065.00' });
    const q = await w.submit(withAddr('N-1'));
    const r = await w.submit(withAddr('N-2'));
    await actOnLink(approvalLinks(q, w.now(), SECRET)['buyer@example.com']!.query, { message: 'Which delivery?' }, w.deps);
    await actOnLink(approvalLinks(r, w.now(), SECRET)['buyer@example.com']!.reject, { reason: 'no' }, w.deps);
    expect(w.sent.map((m) => m.to)).toEqual(['billing@acme.example', 'billing@acme.example']);
  });

  it('with no master email the notice and its reminder go to the admin approver', async () => {
    const w = await world({ vendors: VENDORS_CSV.replace('billing@acme.example', '') });
    const q = await w.submit(bill({ invoice_number: 'N-3', supplier: { name: 'Acme GmbH', tax_id: 'DE123456789', iban: null, email: 'mallory@attacker.example' }, total: '1190.00', tax_total: '1065.00' }));
    await actOnLink(approvalLinks(q, w.now(), SECRET)['buyer@example.com']!.query, { message: 'Which delivery?' }, w.deps);
    expect(w.sent.map((m) => m.to)).toEqual(['ap-admin@example.com']);
    w.advance(6 * DAY);
    await dailySweep({ store: w.store, mailer: w.mailer, secret: SECRET, baseUrl: 'http://127.0.0.1:1', now: w.now });
    expect(w.mails.filter((m) => m.tag === 'supplier-reminder').map((m) => m.to)).toEqual([['ap-admin@example.com']]);
  });
});

describe('approval links', () => {
  it('expire after 7 days', async () => {
    expect(LINK_TTL_DAYS).toBe(7);
    const w = await world();
    const b = await w.submit(bill({ invoice_number: 'E-1', total: '1190.00', tax_total: '1065.00' }));
    const l = approvalLinks(b, w.now(), SECRET)['buyer@example.com']!;
    w.advance(7 * DAY + 1000);
    expect(await actOnLink(l.approve, {}, w.deps)).toMatchObject({ kind: 'refused', reason: expect.stringContaining('expired') });
  });

  it('a reminder’s fresh links revoke the earlier ones of that approver', async () => {
    const w = await world();
    const b = await w.submit(bill({ invoice_number: 'R-1', total: '1190.00', tax_total: '1065.00' }));
    // 1065.00 tax on 125.00 net is no accepted rate: flagged, so approving takes a reason.
    expect(b).toMatchObject({ state: 'flagged', exceptions: [{ code: 'TAX_INVALID' }] });
    await requestApproval({ bill_id: b.bill_id, task_token: 'tok' }, { store: w.store, mailer: w.mailer, secret: SECRET, baseUrl: 'http://127.0.0.1:1', now: w.now });
    const firstLink = linkIn(w.mails[0]!);
    w.advance(2 * DAY);
    await dailySweep({ store: w.store, mailer: w.mailer, secret: SECRET, baseUrl: 'http://127.0.0.1:1', now: w.now });
    const reminder = w.mails.find((m) => m.tag === 'approval-reminder')!;
    expect(await actOnLink(firstLink, {}, w.deps)).toMatchObject({ kind: 'refused', reason: expect.stringContaining('newer email') });
    expect(await actOnLink(linkIn(reminder), { reason: 'tax checked with the supplier' }, w.deps)).toMatchObject({ kind: 'done', bill: { state: 'ready_for_payment' } });
  });
});

/** The Approve token in an approval email's plain text. */
function linkIn(m: OutgoingEmail): string {
  const url = approveLinkIn(m.text)!;
  return decodeURIComponent(new URL(url).searchParams.get('t')!);
}

