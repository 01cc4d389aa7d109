/**
 * Administration forms follow the portal's convention after an error (docs/portal.md, Keyboard): the field in error
 * has the focus, aria-invalid and the message as its description, and the typed value is kept.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { PortalClient, csrfFrom } from './portal-client.js';

const ACME = '/tenant/acme';
const SA = `${ACME}/administration/serviceAccounts`;

/** The opening tag of the element with this id. */
function tagOf(body: string, id: string): string {
  const m = new RegExp(`<(input|select)[^>]*\\bid="${id}"[^>]*>`).exec(body);
  assert.ok(m, `no field ${id}`);
  return m[0];
}

function assertInError(body: string, id: string, errorId = 'form-error') {
  const tag = tagOf(body, id);
  assert.match(tag, /aria-invalid="true"/, `${id} is marked`);
  assert.match(tag, new RegExp(`aria-describedby="[^"]*\\b${errorId}\\b`), `${id} is described by the message`);
  assert.match(tag, /\bautofocus\b/, `${id} has the focus`);
  assert.equal((body.match(/\bautofocus\b/g) ?? []).length, 1, 'one field has the focus');
  assert.ok(body.includes(`id="${errorId}"`), 'the message is on the page');
}

describe('portal administration form errors', () => {
  let server: TesseraHandle;
  let alice: PortalClient;

  before(async () => {
    server = await startTessera({ demo: true, config: { signInRateLimit: 1000 } });
    alice = new PortalClient(server.server.app);
    await alice.signIn(ACME, 'alice', server.demoPassword);
  });
  after(async () => server?.stop());

  test('New service account: a bad software ID marks that field and keeps what was typed', async () => {
    const org = (await server.store.getOrgByName('acme'))!;
    const role = (await server.store.getRoleByName(org.id, 'vApp Author'))!.id;
    const res = await alice.submit(`${SA}/new`, SA, { name: 'typed-name', role, softwareId: 'not-a-uuid', softwareVersion: '', uri: '' });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /The software ID must be a UUID/);
    assertInError(res.body, 'sa-software-id');
    assert.match(tagOf(res.body, 'sa-software-id'), /value="not-a-uuid"/);
    assert.match(tagOf(res.body, 'sa-name'), /value="typed-name"/);
    assert.doesNotMatch(tagOf(res.body, 'sa-name'), /aria-invalid/);
    // The title says the submit failed: it is what a screen reader announces first (until 2026-12-05 unchanged).
    assert.match(res.body, /<title>Error: New service account · Tessera<\/title>/);
    assert.match((await alice.get(`${SA}/new`)).body, /<title>New service account · Tessera<\/title>/);
  });

  test('New service account: no name marks the name', async () => {
    const res = await alice.submit(`${SA}/new`, SA, { name: '', role: '', softwareId: '', softwareVersion: '', uri: '' });
    assert.equal(res.statusCode, 400);
    assertInError(res.body, 'sa-name');
  });

  test("New user: passwords that differ mark the second; the service's password rule marks the first, in the form's words", async () => {
    const USERS = `${ACME}/administration/users`;
    const org = (await server.store.getOrgByName('acme'))!;
    const role = (await server.store.getRoleByName(org.id, 'vApp User'))!.id;
    const base = { name: 'new-person', fullName: 'Typed Name', email: '', role };
    // Until 2026-12-05 the focus stayed on the user name whatever the error was about.
    const differ = await alice.submit(`${USERS}/new`, USERS, { ...base, password: 'Long-enough-1', confirmPassword: 'Long-enough-2' });
    assert.equal(differ.statusCode, 400);
    assert.match(differ.body, /The two passwords are not the same/);
    assertInError(differ.body, 'user-password-again');
    assert.match(tagOf(differ.body, 'user-full-name'), /value="Typed Name"/);
    const short = await alice.submit(`${USERS}/new`, USERS, { ...base, password: 'short', confirmPassword: 'short' });
    assert.equal(short.statusCode, 400);
    assert.match(short.body, /The password must be 8 to 256 characters\./);
    assertInError(short.body, 'user-password');
    const noName = await alice.submit(`${USERS}/new`, USERS, {
      ...base,
      name: '',
      password: 'Long-enough-1',
      confirmPassword: 'Long-enough-1',
    });
    assertInError(noName.body, 'user-name');
    // The identity service's field names in the form's labels (until 2026-12-05 "FullName must not contain ...").
    const bidi = await alice.submit(`${USERS}/new`, USERS, {
      ...base,
      fullName: 'Evil\u202Eeman',
      password: 'Long-enough-1',
      confirmPassword: 'Long-enough-1',
    });
    assert.equal(bidi.statusCode, 400);
    assert.match(bidi.body, /The full name must not contain/);
    assert.doesNotMatch(bidi.body, /FullName/);
    assertInError(bidi.body, 'user-full-name');
  });

  test("a user's Set password: the error stands in its form, at its field, in the form's words", async () => {
    const org = (await server.store.getOrgByName('acme'))!;
    const bob = (await server.store.getUserByName(org.id, 'bob'))!;
    const page = `${ACME}/administration/users/${bob.id}`;
    // Until 2026-12-05: an alert at the top of the page, no field in error, "password must be at least 8 characters."
    const short = await alice.submit(page, `${page}/password`, { newPassword: 'short', confirmPassword: 'short' });
    assert.equal(short.statusCode, 400);
    assert.match(short.body, /The password must be 8 to 256 characters\./);
    assertInError(short.body, 'new-password', 'password-error');
    assert.ok(
      short.body.indexOf('id="password-error"') > short.body.indexOf('id="user-password"'),
      'the message is in the Set password card',
    );
    const differ = await alice.submit(page, `${page}/password`, { newPassword: 'Long-enough-1', confirmPassword: 'Long-enough-2' });
    assertInError(differ.body, 'confirm-password', 'password-error');
    // A password manager files the new password under bob, not under alice, who is signed in and typing it.
    const form = differ.body.slice(differ.body.indexOf(`action="${page}/password"`));
    assert.match(form.slice(0, form.indexOf('</form>')), /<input type="text" value="bob" autocomplete="username" hidden>/);
  });

  /** The message's position: after `cardStart` (the card of the form sent) and before `field`, not at the top. */
  function assertInCard(body: string, cardStart: string, field: string) {
    const card = body.indexOf(cardStart);
    const message = body.indexOf('id="form-error"');
    assert.ok(card >= 0 && message > card && message < body.indexOf(`id="${field}"`), 'the message stands in the form that was sent');
  }

  // Until 2026-12-05 each of these showed its error as an alert at the top of the page, no field marked.
  test('Access Requests: an unknown user code is said in the lookup form, at its field, with what was typed', async () => {
    const page = `${ACME}/administration/accessRequests`;
    const res = await alice.submit(page, page, { userCode: 'BCDF-GHJK', decision: 'grant' });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /No pending authorization request has this user code/);
    assertInError(res.body, 'user-code');
    assert.match(tagOf(res.body, 'user-code'), /aria-describedby="user-code-help form-error"/);
    assert.match(tagOf(res.body, 'user-code'), /value="BCDF-GHJK"/);
    assertInCard(res.body, 'id="lookup-title"', 'user-code');
  });

  test("API Token Policy: a bad number of days is said at the field, in the form's words, with what was typed", async () => {
    const page = `${ACME}/administration/tokenPolicy`;
    const res = await alice.submit(page, page, { maxLifetimeDays: '0' });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /Enter a whole number of days from 1 to/);
    assertInError(res.body, 'policy-days');
    assert.match(tagOf(res.body, 'policy-days'), /value="0"/);
    assertInCard(res.body, 'id="policy-title"', 'policy-days');
    // Without an error the field neither takes the focus nor is marked.
    const plain = await alice.get(page);
    assert.doesNotMatch(tagOf(plain.body, 'policy-days'), /aria-invalid|autofocus/);
  });

  describe("the provider's organization forms", () => {
    const ORGS = '/provider/administration/orgs';
    let admin: PortalClient;
    before(async () => {
      admin = new PortalClient(server.server.app);
      await admin.signIn('/provider', 'administrator', server.adminPassword);
    });

    test('New organization: a name in use marks the name; a full name with a bidi control marks the full name, in its words', async () => {
      const taken = await admin.submit(`${ORGS}/new`, ORGS, { name: 'acme', fullName: 'Typed Full', description: 'typed' });
      assert.equal(taken.statusCode, 400);
      assertInError(taken.body, 'org-name');
      assert.match(tagOf(taken.body, 'org-full-name'), /value="Typed Full"/);
      const bidi = await admin.submit(`${ORGS}/new`, ORGS, { name: 'fresh-org', fullName: 'Evil\u202Eeman', description: '' });
      assert.equal(bidi.statusCode, 400);
      assertInError(bidi.body, 'org-full-name');
      assert.match(bidi.body, /The full name /);
      assert.match(tagOf(bidi.body, 'org-name'), /value="fresh-org"/);
    });

    test("an org's page: the policy and the delete say their errors in their own card, at the field, with what was typed", async () => {
      const globex = (await server.store.getOrgByName('globex'))!;
      const page = `${ORGS}/${globex.id}`;
      const policy = await admin.submit(page, `${page}/tokenPolicy`, { maxLifetimeDays: '1000000' });
      assert.equal(policy.statusCode, 400);
      assertInError(policy.body, 'policy-days');
      assert.match(tagOf(policy.body, 'policy-days'), /value="1000000"/);
      assertInCard(policy.body, 'id="org-policy"', 'policy-days');

      const wrongName = await admin.submit(page, `${page}/delete`, { confirmName: 'globe' });
      assert.equal(wrongName.statusCode, 400);
      assertInError(wrongName.body, 'delete-confirm');
      assert.match(tagOf(wrongName.body, 'delete-confirm'), /value="globe"/);
      assertInCard(wrongName.body, 'id="org-delete"', 'delete-confirm');

      // Still enabled: no field would let it through (Disable first), so none is marked; the name keeps the focus.
      const enabled = await admin.submit(page, `${page}/delete`, { confirmName: 'globex' });
      assert.equal(enabled.statusCode, 400);
      assert.match(enabled.body, /must be disabled before it can be deleted/);
      assert.doesNotMatch(enabled.body, /aria-invalid/);
      assert.match(tagOf(enabled.body, 'delete-confirm'), /autofocus/);
      assertInCard(enabled.body, 'id="org-delete"', 'delete-confirm');

      // Disabled, but holding users: the recursive box is what would let it through, in the form's words.
      assert.equal((await admin.submit(page, `${page}/disable`, {})).statusCode, 303);
      const notEmpty = await admin.submit(page, `${page}/delete`, { confirmName: 'globex' });
      assert.equal(notEmpty.statusCode, 400);
      assert.match(notEmpty.body, /tick &quot;Also delete its users, VDCs and vApps&quot;/);
      assert.doesNotMatch(notEmpty.body, /recursive=true/);
      assertInError(notEmpty.body, 'delete-recursive');
      assert.match(tagOf(notEmpty.body, 'delete-confirm'), /value="globex"/);
      assert.ok(await server.store.getOrgByName('globex'), 'nothing deleted');
      assert.equal((await admin.submit(page, `${page}/enable`, {})).statusCode, 303);
    });

    test('an org deleted since (another tab): its page and its forms return to the list, which says so (were 403)', async () => {
      const created = await admin.submit(`${ORGS}/new`, ORGS, { name: 'stale-tab-org', fullName: 'Stale', description: '' });
      assert.equal(created.statusCode, 303, created.body.slice(0, 200));
      const page = String(created.headers.location).split('?')[0]!;
      const staleTab = await admin.get(page);
      assert.equal((await admin.submit(page, `${page}/disable`, {})).statusCode, 303);
      assert.equal((await admin.submit(page, `${page}/delete`, { confirmName: 'stale-tab-org' })).statusCode, 303);
      const again = await admin.post(`${page}/delete`, { _csrf: csrfFrom(staleTab.body), confirmName: 'stale-tab-org' });
      assert.equal(again.statusCode, 303);
      assert.equal(again.headers.location, `${ORGS}?done=gone`);
      const list = await admin.get(String(again.headers.location));
      assert.match(list.body, /That organization no longer exists/);
      assert.equal((await admin.get(page)).headers.location, `${ORGS}?done=gone`);
    });
  });
});
