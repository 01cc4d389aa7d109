/**
 * Two-factor recovery codes (issue 14 §4) through `app.inject`: made at enrolment and shown once, stored only as a
 * keyed hash, each usable once at the code step of sign-in, a wrong one counted as a failed second factor, a new
 * set (password or a current code) voiding the old one, the count in User preferences, and the audit events.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { signIn as apiSignIn } from '../helpers/api.js';
import { totpCode } from '../../src/auth/totp.js';
import { normalizeRecoveryCode } from '../../src/auth/recovery-codes.js';
import { createUser, freshTotpWindow } from '../security/support.js';
import { PortalClient, csrfFrom, setCookiesOf } from './portal-client.js';

const ACME = '/tenant/acme';
const CODES_PAGE = `${ACME}/preferences/totp/recovery-codes`;
const NEW_CODES = `${ACME}/preferences/totp/recovery-codes/new`;
const codeAt = (secret: string, stepStart: number, offset: number) => totpCode(secret, stepStart + offset * 30_000 + 15_000);
const codesIn = (body: string) => [...body.matchAll(/<li><code>([a-z0-9]{5}-[a-z0-9]{5})<\/code><\/li>/g)].map((m) => m[1]!);

describe('portal: two-factor recovery codes', () => {
  let server: TesseraHandle;
  let aliceApi: string;

  before(async () => {
    server = await startTessera({ demo: true });
    aliceApi = await apiSignIn(server.baseUrl, 'alice', 'acme', server.demoPassword);
  });
  after(async () => server?.stop());

  async function enrolled(stepStart: number) {
    const user = await createUser(server.baseUrl, aliceApi, { role: 'vApp Author' });
    const userId = user.id.replace('urn:vcloud:user:', '');
    const portal = new PortalClient(server.server.app);
    await portal.signIn(ACME, user.name, user.password);
    const prefs = await portal.get(`${ACME}/preferences`);
    await portal.post(`${ACME}/preferences/totp/start`, { _csrf: csrfFrom(prefs.body) });
    const setUp = await portal.get(`${ACME}/preferences/totp`);
    const secret = /id="totp-secret"[^>]*>([A-Z2-7]+)</.exec(setUp.body)![1]!;
    const confirm = await portal.post(`${ACME}/preferences/totp/confirm`, {
      _csrf: csrfFrom(setUp.body),
      code: codeAt(secret, stepStart, -1),
    });
    assert.equal(confirm.headers.location, CODES_PAGE);
    const sealed = setCookiesOf(confirm).find((c) => c.name === 'tessera_recovery_codes')!.value;
    // A HEAD first (a link checker, a prefetcher) must not spend the one showing.
    const head = await server.server.app.inject({
      method: 'HEAD',
      url: CODES_PAGE,
      headers: { cookie: `tessera_session=${portal.cookies.get('tessera_session')}; tessera_recovery_codes=${sealed}` },
    });
    assert.equal(head.statusCode, 200);
    const page = await portal.get(CODES_PAGE);
    return { ...user, userId, portal, secret, page, sealed };
  }

  /** Password, then `code` at the code step, in a fresh browser. */
  async function signInWith(user: { name: string; password: string }, code: string) {
    const browser = new PortalClient(server.server.app);
    const first = await browser.submit(`${ACME}/login`, `${ACME}/login`, { username: user.name, password: user.password });
    assert.equal(first.headers.location, `${ACME}/login/code`);
    return browser.submit(`${ACME}/login/code`, `${ACME}/login/code`, { code });
  }

  test('ten codes are shown once after set-up, downloadable as text, and stored only as keyed hashes', async () => {
    const user = await enrolled(await freshTotpWindow());
    assert.equal(user.page.statusCode, 200);
    assert.equal(user.page.headers['cache-control'], 'no-store');
    const codes = codesIn(user.page.body);
    assert.equal(codes.length, 10);
    assert.equal(new Set(codes).size, 10, 'all different');
    const download = /href="data:text\/plain;charset=utf-8;base64,([A-Za-z0-9+/=]+)" download="tessera-recovery-codes.txt"/.exec(
      user.page.body,
    );
    assert.ok(download, 'a download link, no script needed');
    const text = Buffer.from(download[1]!, 'base64').toString('utf8');
    for (const c of codes) assert.ok(text.includes(c), 'the file lists every code');

    const again = await user.portal.get(CODES_PAGE);
    assert.equal(codesIn(again.body).length, 0, 'a reload shows no code');
    assert.match(again.body, /Recovery codes no longer available/);

    const rows = await server.store.db.selectFrom('totp_recovery_codes').selectAll().where('user_id', '=', user.userId).execute();
    assert.equal(rows.length, 10);
    for (const row of rows) {
      assert.match(row.code_hash, /^[0-9a-f]{64}$/);
      for (const c of codes) assert.ok(!row.code_hash.includes(normalizeRecoveryCode(c)!), 'never the code itself');
    }
    const prefs = await user.portal.get(`${ACME}/preferences`);
    assert.match(prefs.body, /Recovery codes left: <strong>10<\/strong> of 10/);
  });

  test('a copy of the codes cookie kept by the client shows no code once the page was served', async () => {
    const user = await enrolled(await freshTotpWindow());
    assert.equal(codesIn(user.page.body).length, 10);
    const replay = await server.server.app.inject({
      url: CODES_PAGE,
      headers: { cookie: `tessera_session=${user.portal.cookies.get('tessera_session')}; tessera_recovery_codes=${user.sealed}` },
    });
    assert.equal(replay.statusCode, 200);
    assert.equal(codesIn(replay.body).length, 0, 'the same session, the same sealed cookie: nothing shown');
    assert.match(replay.body, /Recovery codes no longer available/);
  });

  test('a recovery code signs in once in place of the app code; a wrong one counts as a failed code', async () => {
    const user = await enrolled(await freshTotpWindow());
    const codes = codesIn(user.page.body);
    const ok = await signInWith(user, codes[3]!.toUpperCase().replace('-', ' '));
    assert.equal(ok.statusCode, 303, ok.body.slice(0, 300));
    assert.equal(ok.headers.location, `${ACME}/`, 'any case, a space for the dash');
    const reused = await signInWith(user, codes[3]!);
    assert.equal(reused.statusCode, 401, 'each code works once');
    // Said as what it is: waiting for "the next code" does not help with a recovery code (until 2026-12-06 it said so).
    assert.match(reused.body, /That recovery code is wrong or was already used: each works once/);
    assert.doesNotMatch(reused.body, /Wait for the next code/);
    assert.equal(Number((await server.store.getUser(user.userId))!.totp_failures), 1, 'the reuse counted as a failed second factor');
    const wrong = await signInWith(user, 'zzzzz-zzzzz');
    assert.equal(wrong.statusCode, 401);
    assert.equal(Number((await server.store.getUser(user.userId))!.totp_failures), 2);
    const events = await server.store.db
      .selectFrom('audit_events')
      .select(['event_type', 'outcome', 'details'])
      .where('actor_id', '=', user.userId)
      .execute();
    const used = events.filter((e) => e.event_type === 'totp.recoveryCodeUsed');
    assert.equal(used.length, 1);
    assert.equal(JSON.parse(used[0]!.details).remaining, 9);
    assert.ok(events.some((e) => e.event_type === 'session.refused' && JSON.parse(e.details).reason === 'wrong recovery code'));
    const prefs = await user.portal.get(`${ACME}/preferences`);
    assert.match(prefs.body, /Recovery codes left: <strong>9<\/strong> of 10/);
  });

  test('wrong recovery codes lock the code step like wrong app codes', async () => {
    const user = await enrolled(await freshTotpWindow());
    let last;
    for (let i = 0; i < 5; i++)
      last = await signInWith(user, `wrong-${String(i).padStart(5, 'x')}`.replace('wrong-', 'aaaaa-').slice(0, 11));
    assert.equal(last!.statusCode, 429, 'locked after the attempts allowed');
    // When to come back, in words and in Retry-After (until 2026-12-06 "in a few minutes" and no header).
    assert.match(last!.body, /Too many wrong verification codes\. Try again in 5 minutes\./);
    assert.equal(last!.headers['retry-after'], '300');
    // During the lockout even the password step stops before the code step, so no recovery code gets in.
    const browser = new PortalClient(server.server.app);
    const first = await browser.submit(`${ACME}/login`, `${ACME}/login`, { username: user.name, password: user.password });
    assert.notEqual(first.headers.location, `${ACME}/login/code`);
    assert.equal(first.statusCode, 429);
    assert.match(first.body, /Too many wrong verification codes\. Try again in [1-5] minutes?\./);
    assert.ok(Number(first.headers['retry-after']) > 0 && Number(first.headers['retry-after']) <= 300);
    assert.ok(Number((await server.store.getUser(user.userId))!.totp_locked_until) > Date.now());
  });

  test('a new set needs the password or a current code, replaces the old set, and is audited', async () => {
    const step = await freshTotpWindow();
    const user = await enrolled(step);
    const old = codesIn(user.page.body);
    const form = await user.portal.get(NEW_CODES);
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /You have 10 unused recovery codes/);
    const noCsrf = await user.portal.post(NEW_CODES, { password: user.password });
    assert.equal(noCsrf.statusCode, 403, 'CSRF');
    const empty = await user.portal.submit(NEW_CODES, NEW_CODES, {});
    assert.equal(empty.statusCode, 400);
    const wrong = await user.portal.submit(NEW_CODES, NEW_CODES, { password: 'not-the-password' });
    assert.equal(wrong.statusCode, 400);
    assert.equal(
      (await server.store.db.selectFrom('totp_recovery_codes').select('code_hash').where('user_id', '=', user.userId).execute()).length,
      10,
      'a refusal changes nothing',
    );
    const tooLong = await user.portal.submit(NEW_CODES, NEW_CODES, { password: 'x'.repeat(5000) });
    assert.equal(tooLong.statusCode, 400, 'oversized input is refused by the schema, not a 500');

    const byCode = await user.portal.submit(NEW_CODES, NEW_CODES, { code: codeAt(user.secret, step, 0) });
    assert.equal(byCode.statusCode, 303);
    assert.equal(byCode.headers.location, CODES_PAGE);
    const fresh = codesIn((await user.portal.get(CODES_PAGE)).body);
    assert.equal(fresh.length, 10);
    assert.equal(fresh.filter((c) => old.includes(c)).length, 0);
    const byPassword = await user.portal.submit(NEW_CODES, NEW_CODES, { password: user.password });
    assert.equal(byPassword.statusCode, 303);
    const newest = codesIn((await user.portal.get(CODES_PAGE)).body);

    assert.equal((await signInWith(user, old[0]!)).statusCode, 401, 'the first set no longer works');
    assert.equal((await signInWith(user, fresh[0]!)).statusCode, 401, 'nor the second');
    assert.equal((await signInWith(user, newest[0]!)).headers.location, `${ACME}/`, 'the newest does');
    const types = (
      await server.store.db.selectFrom('audit_events').select(['event_type', 'outcome']).where('actor_id', '=', user.userId).execute()
    ).filter((e) => e.event_type === 'totp.recoveryCodesGenerated');
    assert.deepEqual(
      types.map((e) => e.outcome).sort(),
      ['failure', 'success', 'success', 'success'],
      'enrolment, the code, the password; and the wrong password',
    );
  });

  test('turning two-factor off drops the codes', async () => {
    const step = await freshTotpWindow();
    const user = await enrolled(step);
    const off = await user.portal.submit(`${ACME}/preferences/totp/disable`, `${ACME}/preferences/totp/disable`, {
      password: user.password,
      code: codeAt(user.secret, step, 0),
    });
    assert.equal(off.statusCode, 303);
    const left = await server.store.db.selectFrom('totp_recovery_codes').select('id').where('user_id', '=', user.userId).execute();
    assert.equal(left.length, 0);
    assert.equal((await user.portal.get(NEW_CODES)).statusCode, 303, 'no new set without two-factor');
  });
});
