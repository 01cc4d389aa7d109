/**
 * Attacks on the features of 2026-12-06 (bulk revoke, regenerate with an expiry, the expiry header, LIKE searches), as
 * a hostile tenant, a token session, another user's CSRF token or an anonymous client would make them: each must be
 * refused with a clear answer in its area's format, change nothing and never reach a 500. Both backends
 * (TESSERA_TEST_BACKEND).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { accessTokenFrom, bearer, createApiToken, http, signIn as apiSignIn } from '../helpers/api.js';
import { PortalClient, csrfFrom } from '../portal/portal-client.js';
import { mintedTokenRow } from '../store/fixtures.js';

const ACME = '/tenant/acme';

describe('attacks on bulk revoke, regenerate and searches', () => {
  let server: TesseraHandle;
  let alice: PortalClient;
  let acmeId: string;
  let bobId: string;
  let adminTokenId: string;

  const isRevoked = async (id: string) => (await server.store.getApiToken(id))!.revoked_at !== null;
  const bobToken = async (name: string) => {
    const row = mintedTokenRow(acmeId, bobId, { name });
    await server.store.db
      .insertInto('api_tokens')
      .values(row as never)
      .execute();
    return (row as { id: string }).id;
  };

  before(async () => {
    server = await startTessera({ demo: true });
    const bob = await server.store.db.selectFrom('users').select(['id', 'org_id']).where('name', '=', 'bob').executeTakeFirstOrThrow();
    bobId = bob.id;
    acmeId = bob.org_id;
    const admin = await apiSignIn(server.baseUrl, 'administrator', 'System', server.adminPassword);
    adminTokenId = (await createApiToken(server.baseUrl, admin, 'System', 'provider-script')).clientId;
    alice = new PortalClient(server.server.app);
    await alice.signIn(ACME, 'alice', server.demoPassword);
  });
  after(async () => server?.stop());

  test('bulk revoke: too many ids, a malformed id, a System token, another session’s CSRF token: refused, nothing revoked', async () => {
    const target = await bobToken('bulk-target');
    const page = await alice.get(`${ACME}/administration/tokens`);
    const csrf = csrfFrom(page.body);

    const many = new URLSearchParams([['_csrf', csrf]]);
    for (let i = 0; i < 101; i++) many.append('id', target);
    const tooMany = await alice.post(`${ACME}/administration/tokens/revoke`, many);
    assert.equal(tooMany.statusCode, 400, tooMany.body.slice(0, 300));
    assert.match(String(tooMany.headers['content-type']), /text\/html/);

    for (const bad of ['../../x', target.toUpperCase(), `${target}'--`, '']) {
      const res = await alice.post(
        `${ACME}/administration/tokens/revoke`,
        new URLSearchParams([
          ['_csrf', csrf],
          ['id', target],
          ['id', bad],
        ]),
      );
      assert.ok(res.statusCode === 400 || res.statusCode === 403, `${JSON.stringify(bad)}: ${res.statusCode}`);
    }
    assert.equal(await isRevoked(target), false);

    const system = await alice.post(
      `${ACME}/administration/tokens/revoke`,
      new URLSearchParams([
        ['_csrf', csrf],
        ['id', adminTokenId],
      ]),
    );
    assert.equal(system.statusCode, 403);
    assert.equal(await isRevoked(adminTokenId), false);

    // Another person's session and its valid CSRF token: not alice's.
    const otherAlice = new PortalClient(server.server.app);
    await otherAlice.signIn(ACME, 'alice', server.demoPassword);
    const otherCsrf = csrfFrom((await otherAlice.get(`${ACME}/administration/tokens`)).body);
    const crossed = await alice.post(`${ACME}/administration/tokens/revoke`, { _csrf: otherCsrf, id: target });
    assert.equal(crossed.statusCode, 403);
    assert.equal(await isRevoked(target), false);

    // Duplicates count once, and the summary says so.
    const dup = await alice.post(
      `${ACME}/administration/tokens/revoke`,
      new URLSearchParams([
        ['_csrf', csrf],
        ['id', target],
        ['id', target],
      ]),
    );
    assert.equal(dup.statusCode, 303);
    assert.match(String(dup.headers.location), /done=bulk-revoked&count=1$/);
  });

  test('searches with LIKE metacharacters and NFKC forms of them match literally and never fail', async () => {
    await bobToken('100%_done\\x');
    await bobToken('100xydone');
    for (const search of ['%', '_', '\\', '100%_', '％', '＿', '＼', '%_\\', "'", '"; drop table users; --', '\u0000x']) {
      const list = await alice.get(`${ACME}/administration/tokens?search=${encodeURIComponent(search)}`);
      assert.ok(list.statusCode === 200 || list.statusCode === 400, `${JSON.stringify(search)}: ${list.statusCode}`);
      const confirm = await alice.get(`${ACME}/administration/tokens/revoke?all=1&search=${encodeURIComponent(search)}`);
      assert.ok(confirm.statusCode === 200 || confirm.statusCode === 400, `${JSON.stringify(search)}: ${confirm.statusCode}`);
    }
    const literal = await alice.get(`${ACME}/administration/tokens?search=${encodeURIComponent('100%_')}`);
    assert.match(literal.body, /100%_done/);
    assert.doesNotMatch(literal.body, /100xydone/);
    const wide = await alice.get(`${ACME}/administration/tokens?search=${encodeURIComponent('１００％＿')}`);
    assert.match(wide.body, /100%_done/);
    assert.doesNotMatch(wide.body, /100xydone/);
  });

  test('the owner filter reads the name as a sign-in does (any case, any Unicode form), and so does its bulk revoke', async () => {
    const kept = await bobToken('owner-form');
    for (const owner of ['bob', 'BOB', 'ｂｏｂ', 'Ｂｏｂ']) {
      const list = await alice.get(`${ACME}/administration/tokens?owner=${encodeURIComponent(owner)}&search=owner-form`);
      assert.equal(list.statusCode, 200);
      assert.match(list.body, new RegExp(`data-token-id="${kept}"`), `owner=${owner}`);
      const confirm = await alice.get(`${ACME}/administration/tokens/revoke?all=1&owner=${encodeURIComponent(owner)}&search=owner-form`);
      assert.match(confirm.body, /Revoke all 1 live API token matching this filter\?/, `owner=${owner}`);
    }
    const confirm = await alice.get(`${ACME}/administration/tokens/revoke?all=1&owner=${encodeURIComponent('ｂｏｂ')}&search=owner-form`);
    const done = await alice.post(`${ACME}/administration/tokens/revoke`, {
      _csrf: csrfFrom(confirm.body),
      from: 'tokens',
      all: '1',
      owner: 'ｂｏｂ',
      search: 'owner-form',
      count: '1',
    });
    assert.equal(done.statusCode, 303);
    assert.match(String(done.headers.location), /done=bulk-revoked&count=1$/);
    assert.equal(await isRevoked(kept), true);
  });

  test('regenerate: many at once, one wins; a token session is refused; the old session shows its grace as its end', async () => {
    const aliceApi = await apiSignIn(server.baseUrl, 'alice', 'acme', server.demoPassword);
    const made = await createApiToken(server.baseUrl, aliceApi, 'acme', 'raced');
    const session = await accessTokenFrom(server.baseUrl, 'acme', made.apiToken);
    const url = `${server.baseUrl}/cloudapi/x-tessera/tokens/urn:vcloud:token:${made.clientId}/regenerate`;
    const send = (token: string, body: unknown) =>
      http(url, { method: 'POST', headers: { ...bearer(token), 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

    const bySession = await send(session, { graceSeconds: 3600 });
    assert.equal(bySession.status, 403);

    const answers = await Promise.all(Array.from({ length: 8 }, () => send(aliceApi, { graceSeconds: 3600 })));
    assert.deepEqual(answers.map((a) => a.status).sort(), [200, 400, 400, 400, 400, 400, 400, 400], answers.map((a) => a.text).join('\n'));
    const successors = await server.store.db.selectFrom('api_tokens').select('id').where('name', '=', 'raced').execute();
    assert.equal(successors.length, 2, 'the old token and exactly one replacement');

    const res = await http(`${server.baseUrl}/cloudapi/1.0.0/tokens`, { headers: bearer(session) });
    assert.equal(res.status, 200);
    const header = res.headers.get('tessera-authentication-token-expiration');
    assert.ok(header !== null, 'the grace ends the old token: its sessions say when');
    const graceEnd = Date.parse(header.replace(' UTC', 'Z').replace(' ', 'T'));
    assert.ok(Math.abs(graceEnd - (Date.now() + 3600_000)) < 60_000, header);
  });
});
