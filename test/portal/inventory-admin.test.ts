/**
 * Issue 14 §1-§2 and issue 12 §1 through `app.inject`: Data Centers and Virtual Machines (the same VMs as a
 * token session's /api/query, search, filter, sort, paging, detail, validation), Administration > Users
 * (create, disable/enable, reset two-factor with its one-time notice, set password ending sessions), the audit
 * trail and its export, the token policy, and the provider's Organizations; CSRF and cross-org refusals.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { accessTokenFrom, http, signIn as apiSignIn } from '../helpers/api.js';
import { PortalClient } from './portal-client.js';

const ACME = '/tenant/acme';

describe('portal data centers, VMs and administration', () => {
  let server: TesseraHandle;
  let alice: PortalClient; // Organization Administrator of acme
  let carol: PortalClient; // Console Access Only in acme
  let hank: PortalClient; // Organization Administrator of globex

  before(async () => {
    server = await startTessera({ demo: true, config: { signInRateLimit: 1000 } });
    const app = server.server.app;
    alice = new PortalClient(app);
    carol = new PortalClient(app);
    hank = new PortalClient(app);
    await alice.signIn(ACME, 'alice', server.demoPassword);
    // The demo has no Console Access Only user: alice makes carol one (the matrix's "limited" caller).
    const session = await apiSignIn(server.baseUrl, 'alice', 'acme', server.demoPassword);
    const json = { authorization: `Bearer ${session}`, accept: 'application/json;version=37.0' };
    const roles = await app.inject({ url: '/cloudapi/1.0.0/roles', headers: json });
    const role = (roles.json().values as Array<{ id: string; name: string }>).find((r) => r.name === 'Console Access Only')!;
    const created = await app.inject({
      method: 'POST',
      url: '/cloudapi/1.0.0/users',
      headers: { ...json, 'content-type': 'application/json' },
      payload: { username: 'carol', password: server.demoPassword, roleEntityRefs: [{ id: role.id }] },
    });
    assert.equal(created.statusCode, 201, created.body);
    await carol.signIn(ACME, 'carol', server.demoPassword);
    await hank.signIn('/tenant/globex', 'hank', server.demoPassword);
  });
  after(async () => server?.stop());

  const vmNames = (body: string) =>
    [...body.matchAll(/<a class="cell-name" href="[^"]*\/vms\/[0-9a-f-]{36}">([^<]*)<\/a>/g)].map((m) => m[1]!);
  const userByName = async (org: string, name: string) =>
    (await server.store.getUserByName((await server.store.getOrgByName(org))!.id, name))!;

  test('a token session and the portal list the same VMs for the same user', async () => {
    const token = await alice.createToken(ACME, 'same-vms');
    const bearer = await accessTokenFrom(server.baseUrl, 'acme', token);
    const api = await http(`${server.baseUrl}/api/query?type=vm&filter=isVAppTemplate==false&sortAsc=name&pageSize=25`, {
      headers: { Authorization: `Bearer ${bearer}`, Accept: 'application/*+json;version=37.0' },
    });
    assert.equal(api.status, 200, api.text);
    const apiNames = (api.json().record as Array<{ name: string }>).map((r) => r.name);
    const page = await alice.get(`${ACME}/vms`);
    assert.equal(page.statusCode, 200);
    assert.ok(apiNames.length > 0);
    assert.deepEqual(vmNames(page.body), apiNames);
    assert.match(page.body, new RegExp(`of ${api.json().total} VMs`));
  });

  test('search, status filter, sort and paging', async () => {
    const searched = vmNames((await alice.get(`${ACME}/vms?search=web`)).body);
    assert.ok(searched.length > 0 && searched.every((n) => n.toLowerCase().includes('web')), searched.join());
    const on = await alice.get(`${ACME}/vms?status=POWERED_OFF`);
    assert.ok(!on.body.includes('badge-success">Powered on'), 'a powered-on VM in the powered-off filter');
    const asc = vmNames((await alice.get(`${ACME}/vms?sort=name`)).body);
    const desc = vmNames((await alice.get(`${ACME}/vms?sort=name&direction=desc`)).body);
    assert.equal(asc[0], [...asc, ...desc].sort()[0]);
    assert.notDeepEqual(asc, desc);
    const beyond = await alice.get(`${ACME}/vms?page=999`);
    assert.equal(beyond.statusCode, 200);
    assert.deepEqual(vmNames(beyond.body), []);
    // A FIQL metacharacter in the search is literal, never a filter of its own.
    assert.equal((await alice.get(`${ACME}/vms?search=${encodeURIComponent('*;name==*')}`)).statusCode, 200);
  });

  test('a page past the last one says so, with the way to the last page, never "Showing 76-56 of 56"', async () => {
    const summary = (body: string) => /<nav class="pagination"[^]*?<p class="muted" role="status">([^<]*)<\/p>/.exec(body)?.[1] ?? '';
    for (const [list, noun] of [
      [`${ACME}/vms`, 'VMs'],
      [`${ACME}/administration/users`, 'users'],
      [`${ACME}/administration/audit`, 'events'],
    ] as const) {
      const firstPage = await alice.get(list);
      const total = Number(/ of ([\d,]+) /.exec(summary(firstPage.body))![1]!.replace(/,/g, ''));
      assert.ok(total > 0, list);
      for (const page of [99, 99999]) {
        const res = await alice.get(`${list}?page=${page}`);
        assert.equal(res.statusCode, 200, list);
        const text = summary(res.body);
        // Until 2026-12-05 the range came from the page asked for: "Showing 76-56 of 56 VMs · page 3 of 3".
        assert.doesNotMatch(text, /Showing/, `${list}?page=${page}: ${text}`);
        assert.match(
          text,
          new RegExp(`^No ${noun} on page ${page.toLocaleString('en-US')}: the ${total.toLocaleString('en-US')} ${noun} fit on `),
        );
        const last = Number(/fit on ([\d,]+) page/.exec(text)![1]!.replace(/,/g, ''));
        const lastHref = last === 1 ? list : `${list}?page=${last}`;
        assert.ok(res.body.includes(`href="${lastHref}">Last page (${last})<`), `${list}: a link to the last page`);
        assert.doesNotMatch(res.body, /class="empty-state">No (VMs|users|events)\./, 'the list is not empty, this page is');
      }
    }
  });

  test('an empty list asked for on page 2 is its one empty page: no First or Previous to a "page 1 of 1"', async () => {
    for (const [list, noun] of [
      [`${ACME}/vms?search=zzzz-none&page=2`, 'VMs'],
      [`${ACME}/administration/users?search=nobodyhere&page=2`, 'users'],
      [`${ACME}/administration/audit?who=nobodyhere&page=2`, 'events'],
    ] as const) {
      const res = await alice.get(list);
      assert.equal(res.statusCode, 200, list);
      const nav = /<nav class="pagination"[^]*?<\/nav>/.exec(res.body)?.[0] ?? '';
      assert.match(nav, new RegExp(`No ${noun} · page 1 of 1`), list);
      // Until 2026-12-05 First and Previous were offered here (the links took the page asked for, not the one shown).
      assert.doesNotMatch(nav, />(First|Previous)</, list);
    }
  });

  test('bad list parameters are a 400 page, never a 500', async () => {
    for (const q of ['sort=bogus', 'page=0', 'page=abc', 'status=NOPE', 'direction=up', `search=${'x'.repeat(200)}`]) {
      const res = await alice.get(`${ACME}/vms?${q}`);
      assert.equal(res.statusCode, 400, q);
      assert.match(String(res.headers['content-type']), /text\/html/);
    }
    assert.equal((await alice.get(`${ACME}/vms/not-a-uuid`)).statusCode, 400);
  });

  test("VM detail, and another org's VM is 403", async () => {
    const list = await alice.get(`${ACME}/vms`);
    const id = /\/vms\/([0-9a-f-]{36})"/.exec(list.body)![1]!;
    const detail = await alice.get(`${ACME}/vms/${id}`);
    assert.equal(detail.statusCode, 200);
    for (const section of ['Hardware', 'Disks', 'Network interfaces', 'Metadata']) assert.ok(detail.body.includes(section), section);
    assert.equal((await hank.get(`/tenant/globex/vms/${id}`)).statusCode, 403);
  });

  test('rights: carol sees VMs but not Data Centers or Users', async () => {
    assert.equal((await carol.get(`${ACME}/vms`)).statusCode, 200);
    assert.equal((await carol.get(`${ACME}/datacenters`)).statusCode, 403);
    assert.equal((await carol.get(`${ACME}/administration/users`)).statusCode, 403);
    assert.equal((await alice.get(`${ACME}/datacenters`)).statusCode, 200);
  });

  test('create a user, disable and enable; CSRF and cross-org refused', async () => {
    const form = await alice.get(`${ACME}/administration/users/new`);
    const role = /<option value="([0-9a-f-]{36})" selected>/.exec(form.body)![1]!;
    const created = await alice.submit(`${ACME}/administration/users/new`, `${ACME}/administration/users`, {
      name: 'dora',
      fullName: 'Dora <b>',
      email: '',
      role,
      password: 'Dora-Password-123',
      confirmPassword: 'Dora-Password-123',
    });
    assert.equal(created.statusCode, 303, created.body.slice(0, 300));
    const dora = await userByName('acme', 'dora');
    const page = `${ACME}/administration/users/${dora.id}`;
    assert.ok((await alice.get(page)).body.includes('Dora &lt;b&gt;'));

    // No CSRF token: 403, nothing changes.
    assert.equal((await alice.post(`${page}/disable`, {})).statusCode, 403);
    assert.equal((await server.store.getUser(dora.id))!.is_enabled, 1);
    // Another org's administrator, editing the URL: 403 at their own portal, nothing changes.
    assert.equal((await hank.get(`/tenant/globex/administration/users/${dora.id}`)).statusCode, 403);
    assert.equal(
      (await hank.submit('/tenant/globex/administration/users', `/tenant/globex/administration/users/${dora.id}/disable`, {})).statusCode,
      403,
    );
    assert.equal((await server.store.getUser(dora.id))!.is_enabled, 1);

    assert.equal((await alice.submit(page, `${page}/disable`, {})).statusCode, 303);
    assert.equal((await server.store.getUser(dora.id))!.is_enabled, 0);
    const enabled = await alice.submit(page, `${page}/enable`, {});
    assert.equal(enabled.statusCode, 303);
    assert.equal((await server.store.getUser(dora.id))!.is_enabled, 1);
    // The notice says what enabling does not do (until 2026-12-05 it did not): the revoked tokens stay revoked.
    assert.match((await alice.get(enabled.headers.location as string)).body, /revoked when they were disabled stay revoked/);

    // A mismatched password changes nothing and says why.
    const bad = await alice.submit(page, `${page}/password`, { newPassword: 'One-Password-1', confirmPassword: 'Two-Password-2' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /not the same/);
  });

  test('reset two-factor: audited, and the user is told once at the next sign-in', async () => {
    const bob = await userByName('acme', 'bob');
    await server.store.updateUser(bob.id, { totp_secret: 'JBSWY3DPEHPK3PXP', totp_enabled: 1 });
    const page = `${ACME}/administration/users/${bob.id}`;
    const res = await alice.submit(page, `${page}/reset-two-factor`, {});
    assert.equal(res.statusCode, 303);
    const after = (await server.store.getUser(bob.id))!;
    assert.equal(after.totp_enabled, 0);
    assert.equal(after.totp_secret, null);
    const events = await server.store.db.selectFrom('audit_events').selectAll().where('event_type', '=', 'user.twoFactorReset').execute();
    assert.equal(events.length, 1);
    assert.equal(events[0]!.actor_name, 'alice');

    const bobClient = new PortalClient(server.server.app);
    await bobClient.signIn(ACME, 'bob', server.demoPassword); // password only now
    assert.match((await bobClient.get(`${ACME}/`)).body, /id="two-factor-reset-notice"/);
    assert.doesNotMatch((await bobClient.get(`${ACME}/`)).body, /two-factor-reset-notice/);
  });

  test("setting a user's password ends that user's sessions", async () => {
    const carolUser = await userByName('acme', 'carol');
    const victim = new PortalClient(server.server.app);
    await victim.signIn(ACME, 'carol', server.demoPassword);
    assert.equal((await victim.get(`${ACME}/vms`)).statusCode, 200);
    const page = `${ACME}/administration/users/${carolUser.id}`;
    const res = await alice.submit(page, `${page}/password`, { newPassword: 'Carol-New-Pass-1', confirmPassword: 'Carol-New-Pass-1' });
    assert.equal(res.statusCode, 303);
    const ended = await victim.get(`${ACME}/vms`);
    assert.equal(ended.statusCode, 303);
    assert.match(String(ended.headers.location), /\/login/);
    // Every session of carol's ended, the suite's own included: sign that one in again with the new password.
    await carol.signIn(ACME, 'carol', 'Carol-New-Pass-1');
  });

  test('audit trail filters and the JSON Lines export', async () => {
    const page = await alice.get(`${ACME}/administration/audit?what=user.created&outcome=success`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /user\.created/);
    assert.doesNotMatch(page.body, /<td data-label="What">session\.created/);
    const exported = await alice.get(`${ACME}/administration/audit/export?what=user.`);
    assert.equal(exported.statusCode, 200);
    assert.match(String(exported.headers['content-disposition']), /attachment; filename="audit-.*\.jsonl"/);
    const lines = exported.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { eventType: string; org: { name: string } });
    assert.ok(lines.length > 0 && lines.every((l) => l.eventType.startsWith('user.') && l.org.name === 'acme'));
    // A date that is no date is said on its field, with the filters kept and what to type (until 2026-12-06 the
    // fields were the browser's date pickers, and anything else was a bare 400 page about a pattern).
    const notADate = await alice.get(`${ACME}/administration/audit?who=ali&from=12%2F06%2F2026&to=2026-12-31`);
    assert.equal(notADate.statusCode, 400);
    assert.match(
      notADate.body,
      /The From date &quot;12\/06\/2026&quot; is not a date: write it as YYYY-MM-DD|The From date "12\/06\/2026" is not a date: write it as YYYY-MM-DD/,
    );
    assert.match(
      notADate.body,
      /<input id="audit-from" name="from" type="text"[^>]*value="12\/06\/2026"[^>]* aria-describedby="audit-date-help form-error" aria-invalid="true"/,
    );
    assert.match(notADate.body, /<input id="audit-who" [^>]*value="ali"/, 'the other filters are kept');
    assert.match(notADate.body, /<input id="audit-to" [^>]*value="2026-12-31"/);
    assert.doesNotMatch(notADate.body, /type="date"/, 'no date picker in the locale\u2019s format');
    assert.equal((await alice.get(`${ACME}/administration/audit?from=yesterday`)).statusCode, 400);
    assert.equal((await alice.get(`${ACME}/administration/audit/export?to=yesterday`)).statusCode, 400);
    // From after To: said, not an empty trail that reads as "nothing happened" (until 2026-12-05).
    const backwards = await alice.get(`${ACME}/administration/audit?from=2026-12-05&to=2026-12-01`);
    assert.equal(backwards.statusCode, 400);
    assert.match(backwards.body, /The From date \(2026-12-05\) is after the To date \(2026-12-01\)/);
    // hank reads globex's trail only.
    const globex = await hank.get('/tenant/globex/administration/audit/export');
    assert.ok(!globex.body.includes('"name":"acme"'));
  });

  test('token policy: view and set through the shared service', async () => {
    const page = `${ACME}/administration/tokenPolicy`;
    assert.equal((await alice.submit(page, page, { maxLifetimeDays: '30' })).statusCode, 303);
    assert.equal((await server.store.getOrgByName('acme'))!.max_token_lifetime_days, 30);
    assert.equal((await alice.submit(page, page, { maxLifetimeDays: '99999' })).statusCode, 400);
    assert.equal((await alice.submit(page, page, { maxLifetimeDays: '' })).statusCode, 303);
    assert.equal((await server.store.getOrgByName('acme'))!.max_token_lifetime_days, null);
    assert.equal((await carol.get(page)).statusCode, 403);
  });

  test('provider: create, disable, delete (confirmed by name) an org; tenants cannot', async () => {
    const admin = new PortalClient(server.server.app);
    await admin.signIn('/provider', 'administrator', server.adminPassword);
    const created = await admin.submit('/provider/administration/orgs/new', '/provider/administration/orgs', {
      name: 'initech',
      fullName: 'Initech',
      description: '',
    });
    assert.equal(created.statusCode, 303, created.body.slice(0, 400));
    const org = (await server.store.getOrgByName('initech'))!;
    const page = `/provider/administration/orgs/${org.id}`;
    assert.equal((await alice.get(`${ACME}/administration/orgs/${org.id}`)).statusCode, 403);
    // Still enabled: the delete is refused and nothing changes.
    const refused = await admin.submit(page, `${page}/delete`, { confirmName: 'initech' });
    assert.equal(refused.statusCode, 400);
    assert.ok(await server.store.getOrg(org.id));
    assert.equal((await admin.submit(page, `${page}/disable`, {})).statusCode, 303);
    assert.equal((await server.store.getOrg(org.id))!.is_enabled, 0);
    // Wrong confirmation name: refused.
    assert.equal((await admin.submit(page, `${page}/delete`, { confirmName: 'Initech ' + 'x' })).statusCode, 400);
    const deleted = await admin.submit(page, `${page}/delete`, { confirmName: 'initech', recursive: 'on' });
    assert.equal(deleted.statusCode, 303);
    assert.equal(await server.store.getOrg(org.id), undefined);
  });
});
