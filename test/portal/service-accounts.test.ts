/**
 * Administration > Service Accounts and Access Requests through `app.inject` (issue 13): the list, create, edit
 * role, revoke and delete, granting and denying a device-flow request by its user code, CSRF on every form, the
 * service's refusals shown as alerts, and who may open what (org administrators; the System administrator for
 * the System org; nobody without the rights; nothing of another org).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { http, oauthPath, signIn } from '../helpers/api.js';
import { PortalClient, csrfFrom, signedInDemoUsers } from './portal-client.js';

const ACME = '/tenant/acme';
const SA = `${ACME}/administration/serviceAccounts`;
const REQUESTS = `${ACME}/administration/accessRequests`;
const SOFTWARE_ID = '12345678-1234-1234-1234-1234567890ab';
const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';

describe('portal service accounts', () => {
  let server: TesseraHandle;
  let alice: PortalClient; // Organization Administrator of acme
  let bob: PortalClient; // vApp Author of acme: no service-account rights
  let hank: PortalClient; // Organization Administrator of globex
  let aliceBearer: string;

  before(async () => {
    server = await startTessera({ demo: true, config: { signInRateLimit: 1000 } });
    ({ alice, bob, hank } = await signedInDemoUsers(server.server.app, server.demoPassword));
    aliceBearer = await signIn(server.baseUrl, 'alice', 'acme', server.demoPassword);
  });
  after(async () => server?.stop());

  const roleId = async (org: string, name: string) => {
    const o = (await server.store.getOrgByName(org))!;
    return (await server.store.getRoleByName(o.id, name))!.id;
  };
  const account = (id: string) => server.store.db.selectFrom('service_accounts').selectAll().where('id', '=', id).executeTakeFirst();

  async function create(client: PortalClient, name: string, role = 'vApp Author', portal = ACME, org = 'acme') {
    const res = await client.submit(`${portal}/administration/serviceAccounts/new`, `${portal}/administration/serviceAccounts`, {
      name,
      role: await roleId(org, role),
      softwareId: SOFTWARE_ID,
      softwareVersion: '1.2.3',
      uri: 'https://example.com/tool',
    });
    assert.equal(res.statusCode, 303, res.body.slice(0, 500));
    const m = /\/administration\/serviceAccounts\/([0-9a-f-]{36})\?done=created$/.exec(String(res.headers.location));
    assert.ok(m, String(res.headers.location));
    return m[1]!;
  }

  async function authorize(clientId: string) {
    const res = await http(`${server.baseUrl}${oauthPath('acme')}/device_authorization`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${aliceBearer}`, 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams({ client_id: clientId }),
    });
    assert.equal(res.status, 200, res.text);
    return res.json() as { device_code: string; user_code: string };
  }

  const poll = (clientId: string, deviceCode: string) =>
    http(`${server.baseUrl}${oauthPath('acme')}/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams({ grant_type: DEVICE_CODE, client_id: clientId, device_code: deviceCode }),
    });

  test('an org administrator creates a service account; the list shows name, role, status, software id, last used', async () => {
    const home = await alice.get(`${ACME}/administration/users`);
    assert.match(home.body, /href="\/tenant\/acme\/administration\/serviceAccounts"/, 'the tab is there');
    const form = await alice.get(`${SA}/new`);
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /<option value="[0-9a-f-]{36}">vApp Author<\/option>/);
    assert.match(form.body, /name="_csrf"/);

    const id = await create(alice, 'portal-sa');
    const shown = await alice.get(`${SA}/${id}?done=created`);
    assert.equal(shown.statusCode, 200);
    assert.match(shown.body, /The service account was created/);
    assert.match(shown.body, new RegExp(SOFTWARE_ID));
    assert.match(shown.body, /https:\/\/example\.com\/tool/);

    const list = await alice.get(SA);
    assert.equal(list.statusCode, 200);
    assert.equal(list.headers['cache-control'], 'no-store');
    const row = new RegExp(`data-service-account-id="${id}">[\\s\\S]*?</tr>`).exec(list.body)?.[0] ?? '';
    assert.match(row, /portal-sa/);
    assert.match(row, /vApp Author/);
    assert.match(row, /Created/);
    assert.match(row, new RegExp(SOFTWARE_ID));
    assert.match(row, /Never/);
    const stored = (await account(id))!;
    assert.equal(stored.software_version, '1.2.3');
    assert.equal(stored.status, 'CREATED');
  });

  test('New service account preselects no role: the role is an explicit choice, and a post without one creates nothing', async () => {
    const form = await alice.get(`${SA}/new`);
    assert.equal(form.statusCode, 200);
    const select = /<select id="sa-role"[^>]*>(.*?)<\/select>/s.exec(form.body);
    assert.ok(select, 'the role select');
    assert.match(select[0], /<select id="sa-role" name="role" required/);
    const options = [...select[1]!.matchAll(/<option[^>]*>[^<]*<\/option>/g)].map((m) => m[0]);
    assert.equal(options[0], '<option value="" disabled selected>Choose a role</option>');
    assert.equal(options.filter((o) => / selected>/.test(o)).length, 1, 'only the placeholder is selected');
    const csrf = csrfFrom(form.body);
    for (const role of [undefined, '']) {
      const body: Record<string, string> = { _csrf: csrf, name: 'no-role-sa', softwareId: SOFTWARE_ID, softwareVersion: '', uri: '' };
      if (role !== undefined) body.role = role;
      const res = await alice.post(SA, body);
      assert.equal(res.statusCode, 400);
      assert.match(res.body, /class="alert alert-danger" role="alert" id="form-error"[^>]*>.*Choose a role\./s);
      assert.match(
        res.body,
        /<select id="sa-role" name="role" required aria-describedby="sa-role-help form-error" aria-invalid="true" autofocus>/,
      );
      assert.match(res.body, /value="no-role-sa"/, 'the form keeps what was typed');
    }
    const created = await server.store.db.selectFrom('service_accounts').select('id').where('name', '=', 'no-role-sa').execute();
    assert.equal(created.length, 0, 'nothing was created');
    // A failed post keeps the role that was chosen.
    const vAppAuthor = await roleId('acme', 'vApp Author');
    const kept = await alice.post(SA, { _csrf: csrf, name: '', role: vAppAuthor, softwareId: SOFTWARE_ID, softwareVersion: '', uri: '' });
    assert.equal(kept.statusCode, 400);
    assert.match(kept.body, new RegExp(`<option value="${vAppAuthor}" selected>vApp Author</option>`));
    assert.match(kept.body, /<option value="" disabled>Choose a role<\/option>/);
  });

  test('the service refusals are alerts on the form: a bad software id, a duplicate name, a role beyond the rights', async () => {
    const form = await alice.get(`${SA}/new`);
    const csrf = csrfFrom(form.body);
    const base = { _csrf: csrf, role: await roleId('acme', 'vApp Author'), softwareVersion: '', uri: '' };
    let res = await alice.post(SA, { ...base, name: 'bad-id', softwareId: 'not-a-uuid' });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /class="alert alert-danger" role="alert"[^>]*>.*The software ID must be a UUID/s);
    assert.match(res.body, /value="bad-id"/, 'the form keeps what was typed');
    await create(alice, 'dup-sa');
    res = await alice.post(SA, { ...base, name: 'DUP-sa', softwareId: SOFTWARE_ID });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /A service account named &quot;DUP-sa&quot; exists/);
    res = await alice.post(SA, { ...base, name: '', softwareId: SOFTWARE_ID });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /Enter a name/);
    // Organization Administrator holds every tenant right of acme's roles; a role of another org is refused.
    res = await alice.post(SA, { ...base, role: await roleId('globex', 'vApp Author'), name: 'other-org-role', softwareId: SOFTWARE_ID });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /Scope must name a role of the organization/);
  });

  test('CSRF: every form is refused without the token or with another session', async () => {
    const id = await create(alice, 'csrf-sa');
    for (const [url, form] of [
      [SA, { name: 'x', role: await roleId('acme', 'vApp Author'), softwareId: SOFTWARE_ID }],
      [`${SA}/${id}/role`, { role: await roleId('acme', 'vApp User') }],
      [`${SA}/${id}/revoke`, {}],
      [`${SA}/${id}/delete`, {}],
      [REQUESTS, { userCode: 'BCDF-GHJK', decision: 'grant' }],
    ] as const) {
      const missing = await alice.post(url, form);
      assert.equal(missing.statusCode, 403, url);
      const bobsPage = await bob.get(`${ACME}/preferences`);
      const foreign = await alice.post(url, { ...form, _csrf: csrfFrom(bobsPage.body) });
      assert.equal(foreign.statusCode, 403, url);
    }
    assert.ok(await account(id), 'still there');
    assert.equal((await account(id))!.role_id, await roleId('acme', 'vApp Author'));
  });

  test('device lookup: pending requests are listed; deny, a wrong code, then grant by user code; the first token follows', async () => {
    const id = await create(alice, 'flow-sa');
    let auth = await authorize(id);
    let page = await alice.get(REQUESTS);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, new RegExp(`data-service-account-id="${id}"`));
    assert.match(page.body, /flow-sa/);
    assert.ok(!page.body.includes(auth.user_code), 'the page never shows the code');

    let res = await alice.submit(REQUESTS, REQUESTS, { userCode: 'BCDF-GHJK', decision: 'grant' });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /role="alert"[^>]*>.*No pending authorization request has this user code/s);

    res = await alice.submit(REQUESTS, REQUESTS, { userCode: auth.user_code.toLowerCase(), decision: 'deny' });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, `${REQUESTS}?done=denied`);
    assert.equal((await poll(id, auth.device_code)).json().minorErrorCode, 'access_denied');

    auth = await authorize(id);
    res = await alice.submit(REQUESTS, REQUESTS, { userCode: auth.user_code.replace('-', ''), decision: 'grant' });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, `${REQUESTS}?done=granted`);
    page = await alice.get(String(res.headers.location));
    assert.match(page.body, /The request was granted/);
    assert.ok(!page.body.includes(`data-service-account-id="${id}"`), 'no longer pending');
    const first = await poll(id, auth.device_code);
    assert.equal(first.status, 200, first.text);

    const list = await alice.get(SA);
    const row = new RegExp(`data-service-account-id="${id}">[\\s\\S]*?</tr>`).exec(list.body)?.[0] ?? '';
    assert.match(row, /Active/);
    assert.match(row, /<time datetime=/, 'last used is shown');

    // The same code twice: already decided.
    res = await alice.submit(REQUESTS, REQUESTS, { userCode: auth.user_code, decision: 'grant' });
    assert.equal(res.statusCode, 400);
  });

  test('edit role, revoke and delete go through the service', async () => {
    const id = await create(alice, 'edit-sa');
    let res = await alice.submit(`${SA}/${id}`, `${SA}/${id}/role`, { role: await roleId('acme', 'vApp User') });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, `${SA}/${id}?done=role`);
    assert.equal((await account(id))!.role_id, await roleId('acme', 'vApp User'));
    res = await alice.submit(`${SA}/${id}`, `${SA}/${id}/role`, { role: await roleId('globex', 'vApp User') });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /Role must name a role of the service account&#39;s organization|Role must name a role/);

    const auth = await authorize(id);
    await alice.submit(REQUESTS, REQUESTS, { userCode: auth.user_code, decision: 'grant' });
    const first = await poll(id, auth.device_code);
    assert.equal(first.status, 200);
    res = await alice.submit(`${SA}/${id}`, `${SA}/${id}/revoke`, {});
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, `${SA}/${id}?done=revoked`, 'an ACTIVE account: its tokens and sessions ended');
    assert.equal((await account(id))!.status, 'CREATED');
    const refreshed = await http(`${server.baseUrl}${oauthPath('acme')}/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: first.json().refresh_token }),
    });
    assert.equal(refreshed.status, 400, 'the revoked refresh token is refused');

    res = await alice.submit(`${SA}/${id}`, `${SA}/${id}/delete`, {});
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, `${SA}?done=deleted`);
    assert.equal(await account(id), undefined);
    // Its page, for who may see its org: back to the list, which says it was deleted (a 403 until 2026-12-05); for
    // anyone else the same 403 as out of reach (test/portal/admin-confirmations.test.ts).
    const gone = await alice.get(`${SA}/${id}`);
    assert.equal(gone.statusCode, 303);
    assert.equal(gone.headers.location, `${SA}?done=already-deleted&account=${id}`);
  });

  test('who may: no rights is 403 and no tab; another org is 403 and changes nothing', async () => {
    const id = await create(alice, 'reach-sa');
    for (const url of [SA, `${SA}/new`, `${SA}/${id}`, REQUESTS]) assert.equal((await bob.get(url)).statusCode, 403, url);
    const bobHome = await bob.get(`${ACME}/`);
    assert.ok(!bobHome.body.includes('/administration/serviceAccounts'));
    const bobPage = await bob.get(`${ACME}/preferences`);
    const res = await bob.post(`${SA}/${id}/delete`, { _csrf: csrfFrom(bobPage.body) });
    assert.equal(res.statusCode, 403);

    const G = '/tenant/globex/administration/serviceAccounts';
    assert.equal((await hank.get(`${G}/${id}`)).statusCode, 403);
    const hankPage = await hank.get(G);
    assert.equal(hankPage.statusCode, 200);
    assert.ok(!hankPage.body.includes('reach-sa'), "globex's list shows none of acme's");
    for (const what of ['revoke', 'delete']) {
      const r = await hank.submit(G, `${G}/${id}/${what}`, {});
      assert.equal(r.statusCode, 403, what);
    }
    assert.ok(await account(id), 'untouched');
  });

  test('the System administrator manages the System org at /provider', async () => {
    const admin = new PortalClient(server.server.app);
    await admin.signIn('/provider', 'administrator', server.adminPassword);
    const id = await create(admin, 'provider-sa', 'System Administrator', '/provider', 'System');
    assert.equal((await account(id))!.org_id, (await server.store.getOrgByName('System'))!.id);
    const list = await admin.get('/provider/administration/serviceAccounts');
    assert.match(list.body, /provider-sa/);
    assert.ok(!list.body.includes('portal-sa'), "acme's accounts are not the System org's list");
    assert.equal((await admin.get('/provider/administration/accessRequests')).statusCode, 200);
  });

  // Last: it spends hank's budget of user codes for the minute.
  test("the form counts against the user's budget of user codes, as the cloudapi's device lookup does: no unbounded guessing", async () => {
    const G = '/tenant/globex/administration/accessRequests';
    const globexBearer = await signIn(server.baseUrl, 'hank', 'globex', server.demoPassword);
    const created = await http(`${server.baseUrl}${oauthPath('globex')}/register`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${globexBearer}`, 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ client_name: 'guessed-sa', software_id: SOFTWARE_ID, scope: 'urn:vcloud:role:vApp%20Author' }),
    });
    assert.equal(created.status, 200, created.text);
    const id = (created.json() as { client_id: string }).client_id;
    const started = await http(`${server.baseUrl}${oauthPath('globex')}/device_authorization`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${globexBearer}`, 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams({ client_id: id }),
    });
    assert.equal(started.status, 200, started.text);
    const { user_code: userCode } = started.json() as { user_code: string };
    const wrong = userCode === 'BCDF-GHJK' ? 'BCDF-GHJL' : 'BCDF-GHJK';
    let refused = null;
    for (let i = 0; i < 40 && refused === null; i++) {
      const res = await hank.submit(G, G, { userCode: wrong, decision: 'grant' });
      if (res.statusCode === 429) refused = res;
      else assert.equal(res.statusCode, 400, res.body.slice(0, 300));
    }
    assert.ok(refused, 'a loop of wrong user codes is refused within the budget (30 a minute)');
    assert.match(refused.body, /role="alert"[^>]*>.*Too many user codes tried/s);
    assert.ok(Number(refused.headers['retry-after']) > 0);
    // Past the budget even the right code decides nothing: the request is still pending.
    const right = await hank.submit(G, G, { userCode, decision: 'grant' });
    assert.equal(right.statusCode, 429);
    assert.equal((await account(id))!.status, 'REQUESTED');
  });
});
