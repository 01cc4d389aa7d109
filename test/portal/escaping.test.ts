/**
 * User text is text everywhere in the portal: token names, user names and full names, org names from the
 * URL, and messages that quote them. Each page is checked for the raw markup (must be absent) and its
 * escaped form (must be present, so the test cannot pass by the text simply missing).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { signIn as apiSignIn } from '../helpers/api.js';
import { PortalClient, csrfFrom } from './portal-client.js';

const ACME = '/tenant/acme';
const SCRIPT_NAME = '<script>alert(1)</script>';
const ATTRIBUTE_NAME = `"><img src=x onerror=alert(2)>'`;
const EVIL_FULL_NAME = '<b onmouseover="alert(3)">Eve</b>';

function assertEscaped(page: string, raw: string, where: string): void {
  assert.ok(!page.includes(raw), `${where}: the raw text ${raw} must not appear`);
  const escaped = raw.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
  assert.ok(page.includes(escaped), `${where}: the escaped text must appear`);
}

describe('escaping in the portal', () => {
  let server: TesseraHandle;
  let alice: PortalClient;
  let scriptTokenId: string;

  before(async () => {
    server = await startTessera({ demo: true });
    alice = new PortalClient(server.server.app);
    await alice.signIn(ACME, 'alice', server.demoPassword);
    const session = await apiSignIn(server.baseUrl, 'alice', 'acme', server.demoPassword);
    const roles = await server.server.app.inject({
      url: '/cloudapi/1.0.0/roles',
      headers: { authorization: `Bearer ${session}`, accept: 'application/json;version=37.0' },
    });
    const role = (roles.json().values as Array<{ id: string; name: string }>).find((r) => r.name === 'vApp User')!;
    const created = await server.server.app.inject({
      method: 'POST',
      url: '/cloudapi/1.0.0/users',
      headers: { authorization: `Bearer ${session}`, accept: 'application/json;version=37.0', 'content-type': 'application/json' },
      payload: { username: 'eve', fullName: EVIL_FULL_NAME, password: 'eve-Password-12', roleEntityRefs: [{ id: role.id }] },
    });
    assert.equal(created.statusCode, 201, created.body);
  });
  after(async () => server?.stop());

  test('a token named <script>alert(1)</script> is text on the created page, the list and the revoke page', async () => {
    const form = await alice.get(`${ACME}/preferences/tokens/new`);
    await alice.post(`${ACME}/preferences/tokens`, { _csrf: csrfFrom(form.body), name: SCRIPT_NAME });
    assertEscaped((await alice.get(`${ACME}/preferences/tokens/created`)).body, SCRIPT_NAME, 'created page');
    assertEscaped((await alice.get(`${ACME}/preferences`)).body, SCRIPT_NAME, 'preferences list');
    assertEscaped((await alice.get(`${ACME}/administration/tokens`)).body, SCRIPT_NAME, 'org token list');
    scriptTokenId = (await server.store.db.selectFrom('api_tokens').select('id').where('name', '=', SCRIPT_NAME).executeTakeFirstOrThrow())
      .id;
    assertEscaped((await alice.get(`${ACME}/tokens/${scriptTokenId}/revoke`)).body, SCRIPT_NAME, 'revoke confirmation');
  });

  test('a name built to leave an attribute stays inside it (value, aria-label)', async () => {
    const form = await alice.get(`${ACME}/preferences/tokens/new`);
    const duplicateFirst = await alice.post(`${ACME}/preferences/tokens`, { _csrf: csrfFrom(form.body), name: ATTRIBUTE_NAME });
    assert.equal(duplicateFirst.statusCode, 303);
    const list = (await alice.get(`${ACME}/preferences`)).body;
    assertEscaped(list, ATTRIBUTE_NAME, 'list');
    assert.ok(
      list.includes(
        `aria-label="Revoke ${ATTRIBUTE_NAME.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')}"`,
      ),
    );
    const again = await alice.post(`${ACME}/preferences/tokens`, { _csrf: csrfFrom(form.body), name: ATTRIBUTE_NAME });
    assert.equal(again.statusCode, 400, 'a duplicate: the error message quotes the name, and the field keeps it');
    assertEscaped(again.body, ATTRIBUTE_NAME, 'form with error');
  });

  test('a full name with markup is text in Administration', async () => {
    const users = (await alice.get(`${ACME}/administration/users`)).body;
    assertEscaped(users, EVIL_FULL_NAME, 'users');
    const eveId = (await server.store.db.selectFrom('users').select('id').where('name', '=', 'eve').executeTakeFirstOrThrow()).id;
    assertEscaped((await alice.get(`${ACME}/administration/users/${eveId}/tokens`)).body, EVIL_FULL_NAME, 'user tokens');
    const eve = new PortalClient(server.server.app);
    await eve.signIn(ACME, 'eve', 'eve-Password-12');
    assertEscaped((await eve.get(`${ACME}/`)).body, EVIL_FULL_NAME, 'home greeting');
    assertEscaped((await eve.get(`${ACME}/preferences`)).body, EVIL_FULL_NAME, 'preferences');
  });

  test('an org name from the URL is text on the sign-in page and in links', async () => {
    const org = '<svg onload=alert(4)>';
    const page = await new PortalClient(server.server.app).get(`/tenant/${encodeURIComponent(org)}/login`);
    assert.equal(page.statusCode, 200);
    assertEscaped(page.body, org, 'sign-in page');
    assert.match(page.body, /action="\/tenant\/%3Csvg%20onload%3Dalert\(4\)%3E\/login"/, 'links carry the URL-encoded name');
  });
});
