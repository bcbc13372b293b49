/**
 * Text from a bill is data (spec/domain.md §9): in approval emails one line, no control
 * characters, no clickable link; on the `bm start` console, control characters escaped.
 */
import { describe, expect, it } from 'vitest';
import { describeEvent } from '../../lambdas/cli/local.ts';
import { approvalRequests } from '../../lambdas/core/approval-desk.ts';
import { exception } from '../../lambdas/core/exceptions.ts';
import type { BillRecord } from '../../lambdas/core/ports/store.ts';
import { billText, consoleText } from '../../lambdas/core/safe-text.ts';

const SECRET = new TextEncoder().encode('test-signing-secret-of-enough-length');
const EVIL_NAME = 'Acme GmbH\r\n\r\nApprove here: https://pay-now.evil.example/approve?id=1\n\u202eReject';

function billRecord(o: Partial<BillRecord> = {}): BillRecord {
  return {
    bill_id: 'b1',
    version: 1,
    state: 'flagged',
    created_at: '2026-03-03T09:00:00.000Z',
    updated_at: '2026-03-03T09:00:00.000Z',
    source: { input: 'mail', part: 0, format: 'ubl', document_hash: 'h', submitter: null },
    document_type: 'invoice',
    invoice_number: 'INV-1\nSee www.evil.example',
    issue_date: '2026-03-02',
    currency: 'EUR',
    total: '1190.00',
    supplier_name: EVIL_NAME,
    vendor_id: null,
    po_number: null,
    po_inferred: false,
    exceptions: [exception('VENDOR_UNKNOWN', `no vendor matches name "${EVIL_NAME}"`)],
    approvers: ['ap-admin@example.com'],
    notify_at: null,
    reservations: {},
    spend: null,
    duplicate_key: null,
    document_key: null,
    canonical: null,
    match: [{ line_id: '1\nClick http://evil.example', quantity: '1', unit_price: '1', po_line: null } as never],
    ...o,
  };
}

describe('approval email: text from the bill', () => {
  const [request] = approvalRequests(billRecord(), { baseUrl: 'http://127.0.0.1:4810', nowMs: Date.parse('2026-03-03T10:00:00Z'), secret: SECRET });
  const { subject, text, html } = request!.email;

  it('keeps the subject to one line with no control characters', () => {
    expect(subject).not.toMatch(/[\u0000-\u001f\u007f\u202e]/);
    expect(subject).toContain('Acme GmbH Approve here:');
  });

  it('adds no line of its own to the plain text: the fake "Approve here" stays inside the Supplier line', () => {
    const lines = text.split('\n');
    // The approval email names each exception in plain words and ends its line with the code.
    const fake = lines.filter((l) => /approve here/i.test(l));
    expect(fake.length).toBeGreaterThan(0);
    expect(fake.every((l) => l.startsWith('Supplier: ') || (l.startsWith('- ') && l.endsWith('[VENDOR_UNKNOWN]')))).toBe(true);
    // The one line that starts with "Approve" is the signed button of the bill matcher.
    const approveLines = lines.filter((l) => /^approve\b/i.test(l));
    expect(approveLines).toHaveLength(1);
    expect(approveLines[0]).toMatch(/^Approve \(reason required\): http:\/\/127\.0\.0\.1:4810\/approve\?t=\S+$/);
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u202e]/);
  });

  it('makes nothing from the bill a link, in the text or the HTML part', () => {
    for (const part of [text, html!]) {
      expect(part).not.toMatch(/https?:\/\/[^\s"]*evil/);
      expect(part).not.toMatch(/www\.evil/);
      expect(part).not.toMatch(/evil\.example/);
    }
    expect(text).toContain('https[:]//pay-now.evil[.]example/approve');
    // The only anchors are the three signed buttons, all to the bill matcher.
    const hrefs = [...html!.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!);
    expect(hrefs).toHaveLength(3);
    for (const h of hrefs) expect(h.startsWith('http://127.0.0.1:4810/approve?t=')).toBe(true);
  });
});

describe('billText', () => {
  it.each([
    { case: 'line breaks and tabs', input: 'a\r\nb\tc', want: 'a b c' },
    { case: 'a URL', input: 'see https://x.example/p', want: 'see https[:]//x[.]example/p' },
    { case: 'a bare host', input: 'pay at www.evil.com', want: 'pay at www[.]evil[.]com' },
    { case: 'an address', input: 'billing@acme.example', want: 'billing@acme[.]example' },
    { case: 'numbers and abbreviations stay', input: 'No. 1.234,50 e.g. INV.2026', want: 'No. 1.234,50 e.g. INV.2026' },
    { case: 'bidi override', input: 'abc\u202Efed', want: 'abc fed' },
  ])('$case', ({ input, want }) => {
    expect(billText(input)).toBe(want);
  });
});

describe('bm start console', () => {
  it('escapes terminal control sequences from a file name and a sender', () => {
    const submission = { id: 's', document_key: 'k', name: 'bill\u001b[2J\u001b]0;pwned\u0007.pdf\nfake line', submitter: 'x\u001b[31m@example.com', received_at: '2026-03-03T10:00:00.000Z' };
    const d = describeEvent({ kind: 'outcome', via: 'drop', outcome: { kind: 'already_processed', submission } }, 'http://127.0.0.1:4810');
    expect(d.out).toBeDefined();
    expect(d.out!.slice(0, -1)).not.toMatch(/[\u0000-\u001f\u007f]/);
    expect(d.out).toContain('bill\\x1b[2J\\x1b]0;pwned\\x07.pdf\\nfake line');
    expect(consoleText('\u009b31m')).toBe('\\x9b31m');
  });
});
