/**
 * `/cloudapi/1.0.0/tokens` (issue 3 item 6; vcd-wire §6-7): the paged list with FIQL filters, sorting and paging,
 * reading and revoking one token, 403 for anything missing or not visible, who sees what (own with Manage, the
 * org's with Manage All, the System administrator everywhere), and the last-used extension written coalesced.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startTessera, type TesseraHandle } from '../../helpers/tessera.js';
import { accessTokenFrom, bearer, createApiToken, exchange, http, signIn } from '../../helpers/api.js';
import { createUser, eventually } from '../../security/support.js';

let t: TesseraHandle;
let base: string;
let alice: string;
let bob: string;
let hank: string;
let admin: string;
let carol: { name: string; password: string; session: string };
const tokens: Record<string, { tokenId: string; apiToken: string; clientId: string }> = {};

before(async () => {
  t = await startTessera({ config: { signInRateLimit: 1000 } });
  base = t.baseUrl;
  [alice, bob, hank, admin] = await Promise.all([
    signIn(base, 'alice', 'acme', t.demoPassword),
    signIn(base, 'bob', 'acme', t.demoPassword),
    signIn(base, 'hank', 'globex', t.demoPassword),
    signIn(base, 'administrator', 'System', t.adminPassword),
  ]);
  // Carol: a Console Access Only user, without any API token right.
  const c = await createUser(base, alice, { role: 'Console Access Only' });
  carol = { ...c, session: await signIn(base, c.name, 'acme', c.password) };
  tokens.alice1 = await createApiToken(base, alice, 'acme', 'alpha');
  tokens.alice2 = await createApiToken(base, alice, 'acme', 'bravo');
  tokens.bob1 = await createApiToken(base, bob, 'acme', 'alpha');
  tokens.hank1 = await createApiToken(base, hank, 'globex', 'hank-token');
  tokens.admin1 = await createApiToken(base, admin, 'System', 'sys-token');
});
after(async () => {
  await t?.stop();
});

const list = (session: string, query = '') => http(`${base}/cloudapi/1.0.0/tokens${query}`, { headers: bearer(session) });
const names = (res: { json(): any }) =>
  (res.json().values as Array<{ name: string; owner: { name: string } }>).map((v) => `${v.owner.name}/${v.name}`).sort();
const ids = (res: { json(): any }) => new Set((res.json().values as Array<{ id: string }>).map((v) => v.id));

describe('the entity and the list envelope', () => {
  test('VCD\u2019s fields plus the extensions; token is always null', async () => {
    const res = await http(`${base}/cloudapi/1.0.0/tokens/${tokens.alice1!.tokenId}`, { headers: bearer(alice) });
    assert.equal(res.status, 200, res.text);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const e = res.json();
    assert.equal(e.id, tokens.alice1!.tokenId);
    assert.equal(e.name, 'alpha');
    assert.equal(e.token, null);
    assert.equal(e.expirationTimeUtc, null, 'API tokens do not expire unless asked');
    assert.equal(e.type, 'REFRESH');
    assert.equal(e.owner.name, 'alice');
    assert.match(e.owner.id, /^urn:vcloud:user:[0-9a-f-]{36}$/);
    assert.equal(e.org.name, 'acme');
    assert.match(e.org.id, /^urn:vcloud:org:[0-9a-f-]{36}$/);
    assert.ok(!Number.isNaN(Date.parse(e.createdTimeUtc)));
    assert.ok(Array.isArray(e.lastUsedIpAddresses));
    assert.equal(e.tokenStart, tokens.alice1!.apiToken.slice(0, 4));
    assert.ok(!res.text.includes(tokens.alice1!.apiToken));
    assert.equal(e.username, undefined, 'flat owner fields are gone from 35.0 on');
    // The bare client_id works as the id too.
    const bare = await http(`${base}/cloudapi/1.0.0/tokens/${tokens.alice1!.clientId}`, { headers: bearer(alice) });
    assert.equal(bare.status, 200);
    // Before 35.0 the owner was flat (username, userId, orgName).
    const old = await http(`${base}/cloudapi/1.0.0/tokens/${tokens.alice1!.tokenId}`, {
      headers: bearer(alice, 'application/json;version=34.0'),
    });
    assert.equal(old.json().username, 'alice');
    assert.equal(old.json().orgName, 'acme');
  });

  test('the paged envelope', async () => {
    const res = await list(alice);
    assert.equal(res.status, 200);
    const body = res.json();
    assert.deepEqual(Object.keys(body).sort(), ['associations', 'page', 'pageCount', 'pageSize', 'resultTotal', 'values']);
    assert.equal(body.page, 1);
    assert.equal(body.pageSize, 25);
    assert.deepEqual(body.associations, []);
    assert.equal(body.resultTotal, body.values.length);
  });
});

describe('visibility', () => {
  test('own tokens with API Tokens: Manage (bob sees only his)', async () => {
    assert.deepEqual(names(await list(bob)), ['bob/alpha']);
    const other = await http(`${base}/cloudapi/1.0.0/tokens/${tokens.alice1!.tokenId}`, { headers: bearer(bob) });
    assert.equal(other.status, 403);
    assert.equal(other.json().minorErrorCode, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
    assert.equal(
      (await http(`${base}/cloudapi/1.0.0/tokens/${tokens.alice1!.tokenId}`, { method: 'DELETE', headers: bearer(bob) })).status,
      403,
    );
  });

  test('the org\u2019s tokens with API Tokens: Manage All (alice sees bob\u2019s, not globex\u2019s or System\u2019s)', async () => {
    const seen = names(await list(alice));
    assert.ok(seen.includes('bob/alpha') && seen.includes('alice/alpha') && seen.includes('alice/bravo'), seen.join());
    assert.ok(!seen.some((n) => n.startsWith('hank/') || n.startsWith('administrator/')), seen.join());
    assert.equal((await http(`${base}/cloudapi/1.0.0/tokens/${tokens.bob1!.tokenId}`, { headers: bearer(alice) })).status, 200);
  });

  test('hank cannot see, read or revoke acme tokens', async () => {
    const seen = names(await list(hank));
    assert.deepEqual(seen, ['hank/hank-token']);
    for (const id of [tokens.alice1!.tokenId, tokens.bob1!.tokenId, tokens.admin1!.tokenId]) {
      assert.equal((await http(`${base}/cloudapi/1.0.0/tokens/${id}`, { headers: bearer(hank) })).status, 403);
      assert.equal((await http(`${base}/cloudapi/1.0.0/tokens/${id}`, { method: 'DELETE', headers: bearer(hank) })).status, 403);
    }
    // Filtering by another org's name finds nothing either.
    assert.equal((await list(hank, '?filter=org.name==acme')).json().resultTotal, 0);
    // And alice's tokens still work.
    assert.equal((await exchange(base, 'acme', tokens.alice1!.apiToken)).status, 200);
  });

  test('the System administrator sees, reads and can revoke tokens across every org', async () => {
    const seen = names(await list(admin, '?pageSize=128'));
    for (const n of ['alice/alpha', 'bob/alpha', 'hank/hank-token', 'administrator/sys-token']) assert.ok(seen.includes(n), n);
    assert.equal(
      (await http(`${base}/cloudapi/1.0.0/tokens/${tokens.hank1!.tokenId}`, { headers: bearer(admin) })).json().org.name,
      'globex',
    );
    const victim = await createApiToken(base, hank, 'globex', 'admin-revokes-this');
    assert.equal((await http(`${base}/cloudapi/1.0.0/tokens/${victim.tokenId}`, { method: 'DELETE', headers: bearer(admin) })).status, 204);
    assert.equal((await exchange(base, 'globex', victim.apiToken)).status, 400);
  });

  test('a user without API token rights can neither list nor create', async () => {
    const res = await list(carol.session);
    assert.equal(res.status, 403);
    const reg = await http(`${base}/oauth/tenant/acme/register`, {
      method: 'POST',
      headers: { ...bearer(carol.session), 'Content-Type': 'application/json' },
      body: '{"client_name":"nope"}',
    });
    assert.equal(reg.status, 403);
  });

  test('a token session sees and revokes the token it came from, and no other, even for an org administrator', async () => {
    // VCD: such a session "can't view or revoke other tokens" (vcd-wire §6). Until 2026-12-05 it saw all of its
    // owner's tokens, and could revoke them.
    const access = await accessTokenFrom(base, 'acme', tokens.alice1!.apiToken);
    assert.deepEqual(names(await list(access)), ['alice/alpha']);
    assert.equal((await http(`${base}/cloudapi/1.0.0/tokens/${tokens.bob1!.tokenId}`, { headers: bearer(access) })).status, 403);
    assert.equal((await http(`${base}/cloudapi/1.0.0/tokens/${tokens.alice2!.tokenId}`, { headers: bearer(access) })).status, 403);
    const sibling = await http(`${base}/cloudapi/1.0.0/tokens/${tokens.alice2!.tokenId}`, { method: 'DELETE', headers: bearer(access) });
    assert.equal(sibling.status, 403, 'nor revokes its owner\u2019s other tokens');
    assert.equal(
      (await http(`${base}/cloudapi/1.0.0/tokens/${tokens.alice2!.tokenId}`, { headers: bearer(alice) })).status,
      200,
      'still live',
    );
    assert.equal((await http(`${base}/cloudapi/1.0.0/tokens/${tokens.alice1!.tokenId}`, { headers: bearer(access) })).status, 200);
    // Its own token it may revoke (a script cleaning up after itself); that ends the session too.
    const own = await createApiToken(base, alice, 'acme', 'self-revoking');
    const ownSession = await accessTokenFrom(base, 'acme', own.apiToken);
    const revoked = await http(`${base}/cloudapi/1.0.0/tokens/${own.tokenId}`, { method: 'DELETE', headers: bearer(ownSession) });
    assert.equal(revoked.status, 204, revoked.text);
    assert.equal((await list(ownSession)).status, 401);
  });
});

describe('missing ids are 403, as VCD answers', () => {
  test('unknown, malformed, revoked, other kinds of URN, unminted token of another user', async () => {
    const revoked = await createApiToken(base, alice, 'acme', 'soon-gone');
    assert.equal(
      (await http(`${base}/cloudapi/1.0.0/tokens/${revoked.tokenId}`, { method: 'DELETE', headers: bearer(alice) })).status,
      204,
    );
    const unminted = await http(`${base}/oauth/tenant/acme/register`, {
      method: 'POST',
      headers: { ...bearer(bob), 'Content-Type': 'application/json' },
      body: '{"client_name":"never-minted"}',
    });
    const unmintedId = `urn:vcloud:token:${unminted.json().client_id}`;
    assert.equal((await http(`${base}/cloudapi/1.0.0/tokens/${unmintedId}`, { headers: bearer(bob) })).status, 200, 'its owner sees it');
    assert.ok(ids(await list(bob)).has(unmintedId), 'and lists it');
    assert.ok(!ids(await list(alice)).has(unmintedId), 'others do not list what they cannot read');
    for (const id of [
      `urn:vcloud:token:${randomUUID()}`,
      randomUUID(),
      'urn:vcloud:token:not-a-uuid',
      'garbage',
      `urn:vcloud:user:${tokens.alice1!.clientId}`,
      tokens.alice1!.tokenId.toUpperCase(),
      revoked.tokenId,
      unmintedId,
    ]) {
      for (const method of ['GET', 'DELETE']) {
        const res = await http(`${base}/cloudapi/1.0.0/tokens/${encodeURIComponent(id)}`, { method, headers: bearer(alice) });
        assert.equal(res.status, 403, `${method} ${id}: ${res.text}`);
        assert.equal(res.json().minorErrorCode, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
      }
    }
  });

  test('DELETE is 204 once, then 403; the token disappears from the list', async () => {
    const tok = await createApiToken(base, bob, 'acme', 'delete-me');
    assert.equal((await http(`${base}/cloudapi/1.0.0/tokens/${tok.tokenId}`, { method: 'DELETE', headers: bearer(bob) })).status, 204);
    assert.equal((await http(`${base}/cloudapi/1.0.0/tokens/${tok.tokenId}`, { method: 'DELETE', headers: bearer(bob) })).status, 403);
    assert.ok(!ids(await list(bob)).has(tok.tokenId));
    // The name can be used again once revoked.
    await createApiToken(base, bob, 'acme', 'delete-me');
  });
});

describe('FIQL filter, sorting and paging', () => {
  let pager: string;
  before(async () => {
    // A fresh user with a known set of tokens, so counts are exact.
    const u = await createUser(base, alice, { role: 'vApp Author' });
    pager = await signIn(base, u.name, 'acme', u.password);
    for (const n of ['p-echo', 'p-alpha', 'p-delta', 'p-charlie', 'p-bravo']) await createApiToken(base, pager, 'acme', n);
  });

  test('owner.name== and != match the user name as sign-in reads it: any case, any Unicode form (until 2026-12-07 exactly)', async () => {
    const owned = (filter: string) => list(alice, `?filter=${encodeURIComponent(filter)}&pageSize=128`);
    const bobs = names(await owned('owner.name==bob'));
    assert.ok(bobs.includes('bob/alpha'), bobs.join(', '));
    for (const spelling of ['BOB', 'Bob', '\uff42\uff4f\uff42']) {
      const res = await owned(`owner.name==${spelling}`);
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(names(res), bobs, spelling);
      assert.ok(!names(await owned(`owner.name!=${spelling}`)).some((n) => n.startsWith('bob/')), spelling);
    }
    assert.deepEqual(names(await owned('owner.name==bobby')), []);
  });

  test('govcd\u2019s filter (name==X;owner.name==alice;(type==PROXY,type==REFRESH)) finds exactly that token', async () => {
    const filter = encodeURIComponent('(name==bravo;owner.name==alice;(type==PROXY,type==REFRESH))');
    const res = await list(alice, `?filter=${filter}&pageSize=128`);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(names(res), ['alice/bravo']);
    assert.equal(res.json().resultTotal, 1);
    // The same with filterEncoded=true, as govcd adds it.
    assert.deepEqual(names(await list(alice, `?filter=${filter}&filterEncoded=true`)), ['alice/bravo']);
    // Two owners share a name: the owner part decides.
    assert.deepEqual(
      names(await list(alice, `?filter=${encodeURIComponent('(name==alpha;owner.name==bob;(type==PROXY,type==REFRESH))')}`)),
      ['bob/alpha'],
    );
    assert.deepEqual(names(await list(alice, `?filter=${encodeURIComponent('name==alpha')}`)), ['alice/alpha', 'bob/alpha']);
    assert.equal((await list(alice, `?filter=${encodeURIComponent('(type==PROXY)')}`)).json().resultTotal, 0);
    assert.deepEqual(names(await list(alice, `?filter=${encodeURIComponent('owner.name==bob,name==bravo')}`)), [
      'alice/bravo',
      'bob/alpha',
      'bob/delete-me',
    ]);
  });

  test('==null finds the tokens that never expire and those never used; =lt= leaves the never used out', async () => {
    const u = await createUser(base, alice, { role: 'vApp Author' });
    const owner = await signIn(base, u.name, 'acme', u.password);
    await createApiToken(base, owner, 'acme', 'n-never');
    await createApiToken(base, owner, 'acme', 'n-expiring', { expirationTimeUtc: new Date(Date.now() + 86_400_000).toISOString() });
    const used = await createApiToken(base, owner, 'acme', 'n-used');
    await accessTokenFrom(base, 'acme', used.apiToken);
    await eventually('the first use reaches the store', async () => (await t.store.getApiToken(used.clientId))?.last_used_at ?? undefined);
    const found = async (filter: string) => {
      const res = await list(owner, `?filter=${encodeURIComponent(filter)}`);
      assert.equal(res.status, 200, `${filter}: ${res.text}`);
      return (res.json().values as Array<{ name: string }>).map((v) => v.name).sort();
    };
    assert.deepEqual(await found('expirationTimeUtc==null'), ['n-never', 'n-used']);
    assert.deepEqual(await found('expirationTimeUtc!=null'), ['n-expiring']);
    assert.deepEqual(await found('lastUsedTimeUtc==null'), ['n-expiring', 'n-never']);
    assert.deepEqual(await found('lastUsedTimeUtc!=NULL'), ['n-used']);
    // A token never used was not "used before" any date: the way to ask for both is an OR with ==null.
    const later = new Date(Date.now() + 60_000).toISOString();
    assert.deepEqual(await found(`lastUsedTimeUtc=lt=${later}`), ['n-used']);
    assert.deepEqual(await found(`lastUsedTimeUtc=lt=${later},lastUsedTimeUtc==null`), ['n-expiring', 'n-never', 'n-used']);
    const refused = await list(owner, `?filter=${encodeURIComponent('expirationTimeUtc=gt=null')}`);
    assert.equal(refused.status, 400, refused.text);
  });

  test('a bad filter or sort field is 400 BAD_REQUEST', async () => {
    for (const query of [
      '?filter=' + encodeURIComponent('name=='),
      '?filter=' + encodeURIComponent('(name==a'),
      '?filter=' + encodeURIComponent('secret_hash==x'),
      '?sortAsc=secret_hash',
      '?sortAsc=id',
      '?sortAsc=name&sortDesc=name',
      '?page=0',
      '?pageSize=-1',
    ]) {
      const res = await list(alice, query);
      assert.equal(res.status, 400, `${query}: ${res.text}`);
      assert.equal(res.json().minorErrorCode, 'BAD_REQUEST');
    }
    // Paging values are named in words, not by the declared schema's pattern (until 2026-12-05:
    // `querystring/pageSize must match pattern "^[0-9]{0,10}$"`).
    for (const query of ['?pageSize=-1', '?pageSize=abc', '?page=1.5']) {
      assert.match((await list(alice, query)).json().message, /^(page|pageSize) must be a whole number from \d+ to \d+$/, query);
    }
  });

  test('sortAsc and sortDesc', async () => {
    const asc = (await list(pager, '?sortAsc=name')).json().values.map((v: { name: string }) => v.name);
    assert.deepEqual(asc, ['p-alpha', 'p-bravo', 'p-charlie', 'p-delta', 'p-echo']);
    const desc = (await list(pager, '?sortDesc=name')).json().values.map((v: { name: string }) => v.name);
    assert.deepEqual(desc, [...asc].reverse());
    const created = (await list(pager, '?sortAsc=createdTimeUtc')).json().values.map((v: { name: string }) => v.name);
    assert.deepEqual(created, ['p-echo', 'p-alpha', 'p-delta', 'p-charlie', 'p-bravo']);
  });

  test('tokens with no expiry sort after every date ascending and before them descending, on both backends', async () => {
    // Until 2026-12-06 SQLite put them first ascending and PostgreSQL last: the two backends gave different pages.
    const day = 86_400_000;
    const setExpiry = (name: string, expiresAt: number | null) =>
      t.store.db.updateTable('api_tokens').set({ expires_at: expiresAt }).where('name', '=', name).execute();
    await setExpiry('p-bravo', Date.now() + 60 * day);
    await setExpiry('p-delta', Date.now() + 30 * day);
    try {
      const asc = (await list(pager, '?sortAsc=expirationTimeUtc')).json().values.map((v: { name: string }) => v.name);
      assert.deepEqual(asc, ['p-delta', 'p-bravo', 'p-echo', 'p-alpha', 'p-charlie']);
      const desc = (await list(pager, '?sortDesc=expirationTimeUtc')).json().values.map((v: { name: string }) => v.name);
      assert.deepEqual(desc, ['p-echo', 'p-alpha', 'p-charlie', 'p-bravo', 'p-delta']);
    } finally {
      await setExpiry('p-bravo', null);
      await setExpiry('p-delta', null);
    }
  });

  test('paging math and Link headers; pageSize is capped at 128', async () => {
    const p1 = await list(pager, '?sortAsc=name&pageSize=2');
    assert.deepEqual(
      { ...p1.json(), values: p1.json().values.map((v: { name: string }) => v.name) },
      { resultTotal: 5, pageCount: 3, page: 1, pageSize: 2, associations: [], values: ['p-alpha', 'p-bravo'] },
    );
    const link1 = p1.headers.get('link') ?? '';
    assert.match(link1, /rel="nextPage"/);
    assert.match(link1, /rel="lastPage"/);
    assert.doesNotMatch(link1, /previousPage/);
    assert.match(link1, /model="Tokens"/);
    const next = /<([^>]+)>;rel="nextPage"/.exec(link1)![1]!;
    const p2 = await http(next, { headers: bearer(pager) });
    assert.deepEqual(
      p2.json().values.map((v: { name: string }) => v.name),
      ['p-charlie', 'p-delta'],
    );
    assert.equal(p2.json().page, 2);
    const p3 = await list(pager, '?sortAsc=name&pageSize=2&page=3');
    assert.deepEqual(
      p3.json().values.map((v: { name: string }) => v.name),
      ['p-echo'],
    );
    assert.doesNotMatch(p3.headers.get('link') ?? '', /nextPage/);
    assert.match(p3.headers.get('link') ?? '', /previousPage/);
    const beyond = await list(pager, '?pageSize=2&page=9');
    assert.equal(beyond.status, 200);
    assert.deepEqual(beyond.json().values, []);
    assert.equal(beyond.json().resultTotal, 5);
    const capped = await list(pager, '?pageSize=500');
    assert.equal(capped.json().pageSize, 128);
    assert.equal(capped.json().pageCount, 1);
    const zero = await list(pager, '?pageSize=0');
    assert.equal(zero.status, 200);
    assert.deepEqual(zero.json().values, []);
    assert.equal(zero.json().resultTotal, 5);
    // A filter and paging together: the total is the filtered total.
    const filtered = await list(pager, `?filter=${encodeURIComponent('name==p-*')}&pageSize=1`);
    assert.equal(filtered.json().resultTotal, 5);
    assert.equal(filtered.json().pageCount, 5);
  });
});

describe('last used: time and client IPs, written coalesced', () => {
  test("this node's unwritten uses and another node's written ones are shown together, the later first", async () => {
    const tok = await createApiToken(base, bob, 'acme', 'usage-two-nodes');
    assert.equal((await exchange(base, 'acme', tok.apiToken)).status, 200);
    await eventually('the first use reaches the store', async () => (await t.store.getApiToken(tok.clientId))?.last_used_at ?? undefined);
    // What another node writes afterwards: a later use, from another address.
    const later = Date.now() + 1_000;
    const row = (await t.store.getApiToken(tok.clientId))!;
    await t.store.db
      .updateTable('api_tokens')
      .set({ last_used_at: later, last_used_ips: JSON.stringify(['10.9.9.9']) })
      .where('id', '=', row.id)
      .execute();
    const entity = (await http(`${base}/cloudapi/1.0.0/tokens/${tok.tokenId}`, { headers: bearer(bob) })).json();
    assert.ok(Math.abs(Date.parse(entity.lastUsedTimeUtc) - later) < 1_000, entity.lastUsedTimeUtc);
    assert.deepEqual(entity.lastUsedIpAddresses, ['10.9.9.9', '127.0.0.1']);
  });

  test('appears after use, and repeated exchanges do not write per request', async () => {
    const tok = await createApiToken(base, bob, 'acme', 'usage');
    const before = await http(`${base}/cloudapi/1.0.0/tokens/${tok.tokenId}`, { headers: bearer(bob) });
    assert.equal(before.json().lastUsedTimeUtc, null);
    assert.deepEqual(before.json().lastUsedIpAddresses, []);
    // Count writes of usage and audit rows while the token is used many times.
    let usageWrites = 0;
    const original = t.store.recordApiTokenUses.bind(t.store);
    t.store.recordApiTokenUses = async (...args) => {
      usageWrites += args[0].filter((e) => e.id === tok.clientId).length;
      return original(...args);
    };
    try {
      const start = Date.now();
      for (let i = 0; i < 15; i++) assert.equal((await exchange(base, 'acme', tok.apiToken)).status, 200);
      // The first use is written promptly (off the request path), the rest only in memory.
      const row = await eventually('the first use reaches the store', async () => {
        const r = await t.store.getApiToken(tok.clientId);
        return r?.last_used_at ? r : undefined;
      });
      assert.ok(Number(row.last_used_at) >= start);
      assert.deepEqual(JSON.parse(row.last_used_ips), ['127.0.0.1']);
      assert.equal(usageWrites, 1, `15 exchanges, ${usageWrites} usage writes`);
      const entity = (await http(`${base}/cloudapi/1.0.0/tokens/${tok.tokenId}`, { headers: bearer(bob) })).json();
      assert.ok(Date.parse(entity.lastUsedTimeUtc) >= start);
      assert.deepEqual(entity.lastUsedIpAddresses, ['127.0.0.1']);
      // Audit: one coalesced "exchanged" event for the 15 exchanges.
      await eventually(
        'the exchange event is written',
        async () =>
          (
            await t.store.db
              .selectFrom('audit_events')
              .select('id')
              .where('token_id', '=', tok.clientId)
              .where('event_type', '=', 'apiToken.exchanged')
              .execute()
          ).length > 0,
      );
      const exchanged = await t.store.db
        .selectFrom('audit_events')
        .select('id')
        .where('token_id', '=', tok.clientId)
        .where('event_type', '=', 'apiToken.exchanged')
        .execute();
      assert.equal(exchanged.length, 1, 'exchanges are audited coalesced');
      // Filter and sort by last use.
      const used = await list(bob, `?filter=${encodeURIComponent(`lastUsedTimeUtc=gt=${new Date(start - 1000).toISOString()}`)}`);
      assert.ok(ids(used).has(tok.tokenId), used.text);
    } finally {
      t.store.recordApiTokenUses = original;
    }
  });
});
