/**
 * Administration forms follow the portal's convention after an error (docs/portal.md, Keyboard): the field in error
 * has the focus, aria-invalid and the message as its description, and the typed value is kept.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { PortalClient } from './portal-client.js';

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
  });
});
