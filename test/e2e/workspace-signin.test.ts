/**
 * The workspace in its two homes (test/support/homes.ts): `bm start`'s server with the local
 * session, and the workspace Lambda handler behind an API Gateway event bridge with Cognito sign-in
 * (a fake hosted UI and token endpoint on loopback, ID tokens signed by a test key set and verified
 * for real). The same Chromium tests: sign-in, the bill list and page, a review, the group rules,
 * CSRF; and in the Lambda home, a tampered or expired token refused.
 */
import { generateKeyPairSync } from 'node:crypto';
import type { Page } from 'playwright-core';
import { beforeAll, expect, it } from 'vitest';
import { forEachHome, TEST_POOL } from '../support/homes.ts';
import { misreadCastorBill, submitBill } from '../support/local.ts';

forEachHome('the workspace', (home) => {
  let reviewId: string;
  let flaggedId: string;
  const bill = (id: string) => `${home().baseUrl}/bills/${encodeURIComponent(id)}`;

  beforeAll(async () => {
    const stack = home().stack;
    // Each home gets its own bills (the stack is shared): a misread scan in review and another to dismiss.
    const tag = `${home().name.toUpperCase()}-${Date.now() % 100000}`;
    reviewId = (await submitBill(stack, misreadCastorBill(`CT-R-${tag}`), `scan-r-${tag}.bill.json`)).bill_id;
    flaggedId = (await submitBill(stack, misreadCastorBill(`CT-D-${tag}`), `scan-d-${tag}.bill.json`)).bill_id;
  }, 60_000);

  it('sends a browser without a session to sign in (Lambda: the hosted UI with a PKCE challenge; local: the sign-in link page)', async () => {
    const page = await (await home().newContext()).newPage();
    if (home().cognito) {
      const cognito = home().cognito!;
      const before = cognito.authorizeRequests.length;
      // The fake hosted UI signs the next person in at once; what matters is how the app asked.
      await page.goto(`${home().baseUrl}/bills/${encodeURIComponent(reviewId)}`);
      const asked = cognito.authorizeRequests.at(before)!;
      expect(asked.searchParams.get('response_type')).toBe('code');
      expect(asked.searchParams.get('client_id')).toBe(TEST_POOL.clientId);
      expect(asked.searchParams.get('code_challenge_method')).toBe('S256');
      expect(asked.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(asked.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{16,}$/);
      expect(asked.searchParams.get('redirect_uri')).toBe(`${home().baseUrl}/auth/callback`);
      // … and back on the page it was opening, signed in (callback → cookie → page).
      expect(new URL(page.url()).pathname).toBe(`/bills/${reviewId}`);
      const cookies = await page.context().cookies();
      const id = cookies.find((c) => c.name === '__Host-bm_id')!;
      expect(id).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });
      expect(cookies.find((c) => c.name === '__Host-bm_pkce')).toBeUndefined();
    } else {
      const r = await page.goto(`${home().baseUrl}/`);
      expect(r!.status()).toBe(401);
      expect(await page.locator('body').innerText()).toContain('Sign in first');
    }
    await page.context().close();
  });

  it('a clerk signs in and sees the bill list, then a bill page', async () => {
    const page = await home().signedInPage('clerk');
    await expect.poll(() => page.title()).toContain('Bills');
    expect(await page.locator('#bills').innerText()).toContain('CT-R-');
    await page.goto(bill(reviewId));
    expect(await page.locator('h1').innerText()).toMatch(/^Bill CT-R-/);
    expect(await page.locator('#summary').innerText()).toContain('Needs review');
    await page.context().close();
  });

  it('finance reads but may not review: the form is refused (403) and the bill is unchanged', async () => {
    const page = await home().signedInPage('finance');
    await page.goto(bill(reviewId));
    const version = (await home().stack.store.getBill(reviewId))!.version;
    await page.getByLabel(/^Total/).fill('1523.20');
    await page.getByRole('button', { name: 'Confirm and decide again' }).click();
    await expect.poll(() => page.locator('body').innerText()).toContain('may not do this');
    expect((await home().stack.store.getBill(reviewId))!.version).toBe(version);
    await page.context().close();
  });

  it('refuses a form without the CSRF token, or with another session\'s, and changes nothing', async () => {
    const page = await home().signedInPage('clerk');
    const other = await home().signedInPage('clerk');
    await page.goto(bill(flaggedId));
    await other.goto(bill(flaggedId));
    const theirs = await other.locator('form[method="post"] input[name="_csrf"]').first().inputValue();
    const version = (await home().stack.store.getBill(flaggedId))!.version;
    // The form as the page sends it, minus its token, then with the other session's token.
    // The form as the page sends it, minus its token, then with the other session's token (the
    // pages allow no script, so the request goes from the browser context, with its cookies).
    const send = async (token: string | null) => {
      const r = await page.request.post(`${bill(flaggedId)}/dismiss`, { form: { version: String(version), reason: 'spam', ...(token ? { _csrf: token } : {}) }, maxRedirects: 0 });
      return { status: r.status(), text: await r.text() };
    };
    for (const token of [null, theirs]) {
      const r = await send(token);
      expect(r.status).toBe(403);
      expect(r.text).toContain('did not come from this page');
    }
    expect((await home().stack.store.getBill(flaggedId))!.version).toBe(version);
    await page.context().close();
    await other.context().close();
  });

  it('a clerk reviews a bill through the form: decided again, the clerk named in the audit trail', async () => {
    const page = await home().signedInPage('clerk', 'pat.clerk@northwind.example');
    await page.goto(bill(reviewId));
    await page.getByLabel(/^Total/).fill('1523.20');
    await page.getByLabel(/^Note/).fill('digits swapped on the scan');
    await page.getByRole('button', { name: 'Confirm and decide again' }).click();
    await page.waitForURL(/\?notice=reviewed$/);
    // Decided again (the homes share one stack, so the second home's bill meets the first's billed quantities).
    await expect.poll(async () => (await home().stack.store.getBill(reviewId))!.state, { timeout: 30_000 }).not.toBe('needs_review');
    await page.reload();
    const audit = await page.locator('#audit').innerText();
    expect(audit).toContain('pat.clerk@northwind.example');
    expect(audit).toContain('total: "1532.20" → "1523.20"');
    await page.context().close();
  });

  it('an approver may not dismiss a bill (approving is by signed link only)', async () => {
    const page = await home().signedInPage('approver');
    await page.goto(bill(flaggedId));
    const version = (await home().stack.store.getBill(flaggedId))!.version;
    const r = await postForm(page, `${bill(flaggedId)}/dismiss`, { version: String(version), reason: 'not ours' });
    expect(r.status).toBe(403);
    expect((await home().stack.store.getBill(flaggedId))!.state).toBe('needs_review');
    await page.context().close();
  });

  it('refuses a form from another site (Origin / Sec-Fetch-Site)', async () => {
    const page = await home().signedInPage('clerk');
    const r = await page.request.post(`${bill(flaggedId)}/dismiss`, { headers: { Origin: 'https://evil.example' }, form: { reason: 'x' }, maxRedirects: 0 });
    expect(r.status()).toBe(403);
    await page.context().close();
  });

  it('refuses a tampered, expired, foreign or wrong-audience token: back to sign-in, nothing shown', async () => {
    const cognito = home().cognito;
    if (!cognito) {
      // Locally the session is a random id held in memory: a made-up one is no session.
      const ctx = await home().newContext();
      const page = await ctx.newPage();
      const r = await page.goto(`${home().baseUrl}/`);
      expect(r!.status()).toBe(401);
      await ctx.close();
      return;
    }
    const good = cognito.idToken({ email: 'eve@northwind.example', 'cognito:groups': ['clerk'] });
    const [h, p, s] = good.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, 'cognito:groups': ['admin'] })).toString('base64url')}.${s}`;
    const expired = cognito.idToken({ exp: Math.floor(Date.now() / 1000) - 60, iat: Math.floor(Date.now() / 1000) - 3700 });
    const foreign = cognito.idToken({}, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
    const otherClient = cognito.idToken({ aud: 'someoneelse' });
    const accessToken = cognito.idToken({ token_use: 'access' });
    const get = async (token: string) => {
      const ctx = await home().newContext();
      const r = await ctx.request.get(`${home().baseUrl}/`, { headers: { Cookie: `__Host-bm_id=${token}` }, maxRedirects: 0 });
      const out = { status: r.status(), location: r.headers().location ?? '', cookies: r.headersArray().filter((x) => x.name.toLowerCase() === 'set-cookie').map((x) => x.value).join('\n') };
      await ctx.close();
      return out;
    };
    for (const token of [tampered, expired, foreign, otherClient, accessToken]) {
      const r = await get(token);
      expect(r.status).toBe(302);
      expect(r.location).toContain(`${cognito.url}/oauth2/authorize`);
      // The bad cookie is cleared.
      expect(r.cookies).toMatch(/__Host-bm_id=; .*Max-Age=0/);
    }
    // The untampered token works.
    expect((await get(good)).status).toBe(200);
  });

  it('refuses a callback whose state does not match the sign-in this browser started', async () => {
    const cognito = home().cognito;
    if (!cognito) return;
    const ctx = await home().newContext();
    const page = await ctx.newPage();
    const r = await page.request.get(`${home().baseUrl}/auth/callback?code=abc&state=forged`, { maxRedirects: 0 });
    expect(r.status()).toBe(400);
    expect(await r.text()).toContain('sign-in');
    expect((await ctx.cookies()).find((c) => c.name === '__Host-bm_id')).toBeUndefined();
    await ctx.close();
  });
});

/** A form post from the page's browser context (its cookies), with the page's own CSRF token. */
async function postForm(page: Page, url: string, fields: Record<string, string>): Promise<{ status: number }> {
  const token = await page.locator('form[method="post"] input[name="_csrf"]').first().inputValue();
  const r = await page.request.post(url, { form: { ...fields, _csrf: token }, maxRedirects: 0 });
  return { status: r.status() };
}
