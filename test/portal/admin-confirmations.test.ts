/**
 * What an administrator cannot undo asks first (until 2026-12-05 one click did it): a user's Disable (their tokens
 * are revoked for good) and Reset two-factor authentication, a service account's Revoke and Delete. Each is a GET
 * page that says what will happen, with Cancel focused and a confirm button that POSTs with the CSRF token; the
 * page has the POST's authorization checks.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { PortalClient, csrfFrom, signedInDemoUsers } from './portal-client.js';
import { http, signIn } from '../helpers/api.js';

const ACME = '/tenant/acme';
const USERS = `${ACME}/administration/users`;
const SA = `${ACME}/administration/serviceAccounts`;
const SOFTWARE_ID = '12345678-1234-1234-1234-1234567890ab';

describe('portal confirmations of administrators’ actions', () => {
  let server: TesseraHandle;
  let alice: PortalClient; // Organization Administrator of acme
  let bob: PortalClient; // vApp Author of acme: manages no users and no service accounts
  let hank: PortalClient; // Organization Administrator of globex

  before(async () => {
    server = await startTessera({ demo: true, config: { signInRateLimit: 1000 } });
    ({ alice, bob, hank } = await signedInDemoUsers(server.server.app, server.demoPassword));
  });
  after(async () => server?.stop());

  const acmeOrg = async () => (await server.store.getOrgByName('acme'))!;

  async function newUser(name: string): Promise<string> {
    const form = await alice.get(`${USERS}/new`);
    const role = /<option value="([0-9a-f-]{36})" selected>/.exec(form.body)![1]!;
    const res = await alice.post(USERS, {
      _csrf: csrfFrom(form.body),
      name,
      role,
      password: 'Confirm-Password-123',
      confirmPassword: 'Confirm-Password-123',
    });
    assert.equal(res.statusCode, 303, res.body.slice(0, 300));
    return (await server.store.getUserByName((await acmeOrg()).id, name))!.id;
  }

  async function newAccount(name: string): Promise<string> {
    const role = (await server.store.getRoleByName((await acmeOrg()).id, 'vApp Author'))!.id;
    const res = await alice.submit(`${SA}/new`, SA, { name, role, softwareId: SOFTWARE_ID, softwareVersion: '', uri: '' });
    assert.equal(res.statusCode, 303, res.body.slice(0, 300));
    return /serviceAccounts\/([0-9a-f-]{36})\?/.exec(String(res.headers.location))![1]!;
  }

  /** The account's software asks for access (device flow): it is REQUESTED, with a pending request to end. */
  async function requestAccess(id: string): Promise<void> {
    const session = await signIn(server.baseUrl, 'alice', 'acme', server.demoPassword);
    const res = await http(`${server.baseUrl}/oauth/tenant/acme/device_authorization`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${session}`,
        'Content-Type': 'application/x-www-form-urlencoded',
        Accept: 'application/json;version=37.0',
      },
      body: new URLSearchParams({ client_id: id }),
    });
    assert.equal(res.status, 200, res.text);
  }

  const revocations = async (id: string) =>
    (
      await server.store.db
        .selectFrom('audit_events')
        .select('id')
        .where('event_type', '=', 'serviceAccount.revoked')
        .where('token_id', '=', id)
        .execute()
    ).length;

  /** The confirm form: posts to `action` with the session's CSRF token; Cancel, back to `cancel`, has the focus. */
  function assertConfirmation(body: string, action: string, cancel: string) {
    assert.ok(body.includes(`<form method="post" action="${action}"`), 'the confirm button posts');
    assert.ok(body.includes('name="_csrf"'), 'with the CSRF token');
    assert.match(body, new RegExp(`<a class="btn btn-link" href="${cancel}" autofocus>Cancel</a>`), 'Cancel has the focus');
  }

  test('Disable: a confirmation that counts the tokens revoked for good; the POST then disables', async () => {
    const id = await newUser('erin');
    const erin = new PortalClient(server.server.app);
    await erin.signIn(ACME, 'erin', 'Confirm-Password-123');
    await erin.createToken(ACME, 'erin-one');
    await erin.createToken(ACME, 'erin-two');
    // An expired token is no active one: not counted, and the disable leaves its history "Expired" (until 2026-12-06
    // it was counted and then marked revoked).
    await erin.createToken(ACME, 'erin-expired');
    await server.store.db
      .updateTable('api_tokens')
      .set({ expires_at: Date.now() - 60_000 })
      .where('user_id', '=', id)
      .where('name', '=', 'erin-expired')
      .execute();
    const page = `${USERS}/${id}`;
    assert.match((await alice.get(page)).body, /2 active tokens|2 active API tokens/);

    const detail = await alice.get(page);
    assert.ok(!detail.body.includes(`action="${page}/disable"`), 'no one-click Disable form on the user page');
    assert.ok(detail.body.includes(`href="${page}/disable"`), 'Disable leads to the confirmation');

    const confirm = await alice.get(`${page}/disable`);
    assert.equal(confirm.statusCode, 200);
    assert.match(confirm.body, /sessions? of theirs ends at once/);
    assert.match(confirm.body, /2 active API tokens are revoked for good/);
    assertConfirmation(confirm.body, `${page}/disable`, page);
    assert.equal((await server.store.getUser(id))!.is_enabled, 1, 'opening the page changes nothing');

    const res = await alice.post(`${page}/disable`, { _csrf: csrfFrom(confirm.body) });
    assert.equal(res.statusCode, 303);
    assert.equal((await server.store.getUser(id))!.is_enabled, 0);
    const tokens = await server.store.db.selectFrom('api_tokens').select(['name', 'revoked_at']).where('user_id', '=', id).execute();
    assert.deepEqual(tokens.map((t) => [t.name, t.revoked_at !== null]).sort(), [
      ['erin-expired', false],
      ['erin-one', true],
      ['erin-two', true],
    ]);
    // Already disabled (a stale tab): nothing to confirm, back to the user's page.
    const again = await alice.get(`${page}/disable`);
    assert.equal(again.statusCode, 303);
    assert.equal(again.headers.location, page);
  });

  test('Reset two-factor authentication: a confirmation first', async () => {
    const id = await newUser('fred');
    await server.store.updateUser(id, { totp_secret: 'JBSWY3DPEHPK3PXP', totp_enabled: 1 });
    const page = `${USERS}/${id}`;
    const detail = await alice.get(page);
    assert.ok(!detail.body.includes(`action="${page}/reset-two-factor"`), 'no one-click reset form');
    const confirm = await alice.get(`${page}/reset-two-factor`);
    assert.equal(confirm.statusCode, 200);
    assert.match(confirm.body, /password alone/);
    assertConfirmation(confirm.body, `${page}/reset-two-factor`, page);
    assert.equal((await server.store.getUser(id))!.totp_enabled, 1, 'opening the page changes nothing');
    const res = await alice.post(`${page}/reset-two-factor`, { _csrf: csrfFrom(confirm.body) });
    assert.equal(res.statusCode, 303);
    assert.equal((await server.store.getUser(id))!.totp_enabled, 0);
  });

  test("the user confirmations keep the POST's checks: another org or no right is 403; one's own account has none", async () => {
    const id = await newUser('gina');
    await server.store.updateUser(id, { totp_secret: 'JBSWY3DPEHPK3PXP', totp_enabled: 1 });
    for (const what of ['disable', 'reset-two-factor']) {
      assert.equal((await bob.get(`${USERS}/${id}/${what}`)).statusCode, 403, `bob ${what}`);
      assert.equal((await hank.get(`/tenant/globex/administration/users/${id}/${what}`)).statusCode, 403, `hank ${what}`);
    }
    const aliceId = (await server.store.getUserByName((await acmeOrg()).id, 'alice'))!.id;
    const own = await alice.get(`${USERS}/${aliceId}/disable`);
    assert.equal(own.statusCode, 303);
    assert.equal(own.headers.location, `${USERS}/${aliceId}`);
  });

  test('service account Revoke and Delete: confirmations that say what stops; the POSTs then act', async () => {
    const id = await newAccount('confirm-sa');
    await requestAccess(id);
    const page = `${SA}/${id}`;
    const detail = await alice.get(page);
    assert.ok(!detail.body.includes(`action="${page}/revoke"`), 'no one-click Revoke form');
    assert.ok(!detail.body.includes(`action="${page}/delete"`), 'no one-click Delete form');
    assert.ok(detail.body.includes(`href="${page}/revoke"`) && detail.body.includes(`href="${page}/delete"`));

    const revoke = await alice.get(`${page}/revoke`);
    assert.equal(revoke.statusCode, 200);
    assert.match(revoke.body, /stop working at once/);
    assertConfirmation(revoke.body, `${page}/revoke`, page);
    assert.equal((await alice.post(`${page}/revoke`, { _csrf: csrfFrom(revoke.body) })).statusCode, 303);
    assert.equal(
      (await server.store.db.selectFrom('service_accounts').select('status').where('id', '=', id).executeTakeFirst())?.status,
      'CREATED',
    );

    const del = await alice.get(`${page}/delete`);
    assert.equal(del.statusCode, 200);
    assert.match(del.body, /This cannot be undone/);
    assertConfirmation(del.body, `${page}/delete`, page);
    assert.ok(await server.store.db.selectFrom('service_accounts').select('id').where('id', '=', id).executeTakeFirst());
    const res = await alice.post(`${page}/delete`, { _csrf: csrfFrom(del.body) });
    assert.equal(res.statusCode, 303);
    assert.equal(await server.store.db.selectFrom('service_accounts').select('id').where('id', '=', id).executeTakeFirst(), undefined);
  });

  test('Revoke of an account with no access (revoked in another tab, or never authorized) says so and audits nothing', async () => {
    const id = await newAccount('twice-revoked-sa');
    await requestAccess(id);
    const page = `${SA}/${id}`;
    const tab1 = await alice.get(`${page}/revoke`);
    const tab2 = await alice.get(`${page}/revoke`);
    assert.equal(tab1.statusCode, 200);
    const first = await alice.post(`${page}/revoke`, { _csrf: csrfFrom(tab1.body) });
    // A pending request ends, and the notice says that (it said "its tokens and sessions ended", of none).
    assert.equal(first.headers.location, `${page}?done=request-ended`);
    assert.match((await alice.get(String(first.headers.location))).body, /pending authorization request was ended/);
    assert.equal(await revocations(id), 1);
    // The second tab's confirm: until 2026-12-05 "was revoked" again, with a second audit event of a revocation.
    const second = await alice.post(`${page}/revoke`, { _csrf: csrfFrom(tab2.body) });
    assert.equal(second.statusCode, 303);
    assert.equal(second.headers.location, `${page}?done=nothing-to-revoke`);
    assert.equal(await revocations(id), 1, 'no second revocation recorded');
    const shown = await alice.get(String(second.headers.location));
    assert.match(shown.body, /has no access to revoke/);
    // Nothing to revoke: the page offers Delete only, and the confirmation goes back to the account.
    assert.ok(!shown.body.includes(`href="${page}/revoke"`), 'no Revoke offered');
    assert.ok(shown.body.includes(`href="${page}/delete"`));
    const confirm = await alice.get(`${page}/revoke`);
    assert.equal(confirm.statusCode, 303);
    assert.equal(confirm.headers.location, `${page}?done=nothing-to-revoke`);
    // Still the checks first: another org's administrator and a vApp Author get 403, not the notice.
    assert.equal((await bob.get(`${page}/revoke`)).statusCode, 403);
  });

  test("the service account confirmations keep the POST's checks", async () => {
    const id = await newAccount('reach-confirm-sa');
    for (const what of ['revoke', 'delete']) {
      assert.equal((await bob.get(`${SA}/${id}/${what}`)).statusCode, 403, `bob ${what}`);
      assert.equal((await hank.get(`/tenant/globex/administration/serviceAccounts/${id}/${what}`)).statusCode, 403, `hank ${what}`);
    }
  });

  test('a stale tab on a deleted service account: back to the list, whose notice names it; others still get 403', async () => {
    const id = await newAccount('stale-tab-sa');
    await requestAccess(id);
    const page = `${SA}/${id}`;
    const staleRevoke = await alice.get(`${page}/revoke`);
    const staleDelete = await alice.get(`${page}/delete`);
    const admin2 = new PortalClient(server.server.app);
    await admin2.signIn(ACME, 'alice', server.demoPassword);
    assert.equal((await admin2.submit(`${page}/delete`, `${page}/delete`, {})).statusCode, 303);

    for (const [form, what] of [
      [staleRevoke, 'revoke'],
      [staleDelete, 'delete'],
    ] as const) {
      const res = await alice.post(`${page}/${what}`, { _csrf: csrfFrom(form.body) });
      assert.equal(res.statusCode, 303, `${what}: ${res.body.slice(0, 200)}`);
      assert.equal(res.headers.location, `${SA}?done=already-deleted&account=${id}`);
      const list = await alice.get(String(res.headers.location));
      assert.match(list.body, /The service account &quot;stale-tab-sa&quot; was already deleted\./);
      // The confirmation page too.
      const again = await alice.get(`${page}/${what}`);
      assert.equal(again.statusCode, 303);
      assert.equal(again.headers.location, `${SA}?done=already-deleted&account=${id}`);
    }
    // The account's page from an old link, and Save role from a stale tab: the same notice (until 2026-12-05 a 403).
    const page2 = await alice.get(page);
    assert.equal(page2.statusCode, 303);
    assert.equal(page2.headers.location, `${SA}?done=already-deleted&account=${id}`);
    const role = await alice.post(`${page}/role`, { _csrf: csrfFrom(staleRevoke.body), role: '00000000-0000-4000-8000-000000000000' });
    assert.equal(role.statusCode, 303, role.body.slice(0, 200));
    assert.equal(role.headers.location, `${SA}?done=already-deleted&account=${id}`);
    // Who may not see it: the same 403 as ever, and the list's notice names nothing for them.
    const hankPage = await hank.get('/tenant/globex/administration/serviceAccounts');
    const G = '/tenant/globex/administration/serviceAccounts';
    assert.equal((await hank.post(`${G}/${id}/delete`, { _csrf: csrfFrom(hankPage.body) })).statusCode, 403);
    assert.equal((await hank.get(`${G}/${id}/revoke`)).statusCode, 403);
    assert.equal((await bob.get(`${SA}/${id}/delete`)).statusCode, 403);
    const hankList = await hank.get(`${G}?done=already-deleted&account=${id}`);
    assert.ok(!hankList.body.includes('stale-tab-sa'), "another org's viewer learns no name");
  });
});
