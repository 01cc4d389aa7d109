/**
 * Acceptance: the SDK against a real Tessera started by the test (no mocks). Sign-in with and without TOTP,
 * token create/list/get/revoke, createVcdApiHeaders, renewal after the access token expires, one retry on a
 * 401, revocation surfacing as a clear error, the query service and cloudapi lists, self-signed HTTPS.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { isWellFormedApiToken } from '../../src/domain/api-token-format.js';
import { totpCode } from '../../src/auth/totp.js';
import { createVcdApiHeaders, VcdApiError, VcdClient, VcdClientError, VcdNetworkError, type FetchLike } from '../../src/client/index.js';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';

/** A fetch that records what the SDK sends, so tests can count exchanges on the real wire. */
function recordingFetch() {
  const calls: Array<{ method: string; path: string }> = [];
  const fetchImpl: FetchLike = (input, init) => {
    calls.push({ method: init.method ?? 'GET', path: new URL(input).pathname });
    return fetch(input, init);
  };
  return { calls, fetchImpl, exchanges: () => calls.filter((c) => c.method === 'POST' && c.path.endsWith('/token')).length };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('SDK against Tessera (HTTP, 3 s access tokens)', () => {
  let tessera: TesseraHandle;
  /**
   * Sessions live 3 s here too: each test signs in afresh. A token's `iat` is a whole second, so a session lives
   * between 2 and 3 s; with 2 s tokens a password session had as little as 1 s for a test's five requests, which a
   * loaded CI machine can miss.
   */
  const signInAlice = async () =>
    (await VcdClient.signIn({ endpoint: tessera.baseUrl, org: 'acme', user: 'alice', password: tessera.demoPassword })).client;

  before(async () => {
    tessera = await startTessera({ config: { accessTokenTtlSeconds: 3 } });
  });
  after(() => tessera.stop());

  test('a password session creates a token that is shown once, well-formed, and listed', async () => {
    // A session for each step: this test makes a dozen requests, more than a 2-3 s session is sure to outlive on a
    // loaded machine (a run with the load average at 20 saw its second createToken refused: the assertion had expired).
    const expiresAt = new Date(Date.now() + 90 * 86_400_000);
    const created = await (await signInAlice()).createToken('sdk-listed', { expiresAt });
    assert.ok(isWellFormedApiToken(created.apiToken) && created.apiToken.length === 32, 'a 32-character token with a valid checksum');
    assert.match(created.id, /^urn:vcloud:token:[0-9a-f-]{36}$/);
    assert.equal(created.entity?.name, 'sdk-listed');
    assert.equal(created.entity?.type, 'REFRESH');
    assert.equal(created.entity?.token, null, 'the entity never carries the secret');
    assert.ok(Math.abs(Date.parse(created.entity!.expirationTimeUtc!) - expiresAt.getTime()) < 1000, 'the expiry was kept');
    const listed = await collect((await signInAlice()).listTokens());
    assert.ok(listed.some((t) => t.id === created.id && t.owner.name === 'alice' && t.org.name === 'acme'));
    assert.equal((await (await signInAlice()).resolveToken('sdk-listed')).id, created.id);
    // A name made decomposed is found as typed precomposed, and the other way round (one name on screen).
    const decomposed = await (await signInAlice()).createToken('sdk-cafe\u0301');
    assert.equal((await (await signInAlice()).resolveToken('sdk-caf\u00E9')).id, decomposed.id);
    const composed = await (await signInAlice()).createToken('sdk-\u00C5sa');
    assert.equal((await (await signInAlice()).resolveToken('sdk-A\u030Asa')).id, composed.id);
    assert.equal((await (await signInAlice()).getToken(created.id.slice('urn:vcloud:token:'.length).toUpperCase())).id, created.id);
  });

  test('createVcdApiHeaders gives headers that work on /cloudapi and /api as is', async () => {
    const { apiToken } = await (await signInAlice()).createToken('sdk-headers');
    const headers = await createVcdApiHeaders({ endpoint: `${tessera.baseUrl}/api`, tenant: 'acme', apiToken });
    const current = await fetch(`${headers.endpoint}/cloudapi/1.0.0/sessions/current`, { headers: headers.cloudapi });
    assert.equal(current.status, 200);
    assert.equal(((await current.json()) as { user: { name: string } }).user.name, 'alice');
    const session = await fetch(`${headers.endpoint}/api/session`, { headers: headers.api });
    assert.equal(session.status, 200);
    assert.match(session.headers.get('content-type') ?? '', /xml/);
    assert.ok(headers.expiresAt.getTime() - Date.now() <= 3_000, 'expiresAt follows the server expires_in');
  });

  test('renews before expiry: a client used across several lifetimes keeps working', async () => {
    const { apiToken } = await (await signInAlice()).createToken('sdk-renew');
    const wire = recordingFetch();
    const client = new VcdClient({ endpoint: tessera.baseUrl, org: 'acme', apiToken, fetch: wire.fetchImpl });
    assert.equal((await client.currentSession()).user.name, 'alice');
    await sleep(3_200); // the first access token has expired on the server
    assert.equal((await client.currentSession()).user.name, 'alice');
    assert.equal(wire.exchanges(), 2, 'one exchange per lifetime');
    const unauthorized = wire.calls.filter((c) => c.path === '/cloudapi/1.0.0/sessions/current').length;
    assert.equal(unauthorized, 2, 'renewed ahead of time: no request was wasted on a 401');
  });

  test('renews once on a 401 when its own clock missed the expiry', async () => {
    const { apiToken } = await (await signInAlice()).createToken('sdk-401');
    const wire = recordingFetch();
    const frozen = Date.now();
    const client = new VcdClient({ endpoint: tessera.baseUrl, org: 'acme', apiToken, fetch: wire.fetchImpl, now: () => frozen });
    await client.currentSession();
    await sleep(3_200);
    assert.equal((await client.currentSession()).user.name, 'alice');
    assert.equal(wire.exchanges(), 2);
    assert.equal(wire.calls.filter((c) => c.path === '/cloudapi/1.0.0/sessions/current').length, 3, 'the 401, then the retry');
  });

  test('revocation surfaces as ERR_VCD_INVALID_GRANT with a message that says what happened', async () => {
    const alice = await signInAlice();
    const created = await alice.createToken('sdk-revoked');
    const client = new VcdClient({ endpoint: tessera.baseUrl, org: 'acme', apiToken: created.apiToken });
    const bearer = await client.accessToken();
    await client.currentSession();
    await (await signInAlice()).revokeToken(created.id);
    await assert.rejects(client.currentSession(), (error: unknown) => {
      assert.ok(error instanceof VcdApiError);
      assert.equal(error.code, 'ERR_VCD_INVALID_GRANT');
      assert.equal(error.minorErrorCode, 'invalid_grant');
      assert.match(error.message, /API token was refused .* revoked/);
      return true;
    });
    const old = await fetch(`${tessera.baseUrl}/cloudapi/1.0.0/sessions/current`, {
      headers: { Authorization: `Bearer ${bearer}`, Accept: 'application/json;version=37.0' },
    });
    assert.equal(old.status, 401, 'the session made from the token died with it');
    await assert.rejects(
      (await signInAlice()).getToken(created.id),
      (error: unknown) => error instanceof VcdApiError && error.code === 'ERR_VCD_FORBIDDEN' && error.status === 403,
    );
  });

  test('a token session cannot create tokens; a wrong password is ERR_VCD_UNAUTHORIZED', async () => {
    const { apiToken } = await (await signInAlice()).createToken('sdk-no-create');
    const client = new VcdClient({ endpoint: tessera.baseUrl, org: 'acme', apiToken });
    await assert.rejects(
      client.createToken('nested'),
      (error: unknown) => error instanceof VcdClientError && error.code === 'ERR_VCD_FORBIDDEN',
    );
    await assert.rejects(
      VcdClient.signIn({ endpoint: tessera.baseUrl, org: 'acme', user: 'alice', password: 'wrong' }),
      (error: unknown) => error instanceof VcdApiError && error.code === 'ERR_VCD_UNAUTHORIZED' && error.status === 401,
    );
  });

  test('TOTP: required, wrong, then right', async () => {
    const { client: bob, accessToken } = await VcdClient.signIn({
      endpoint: tessera.baseUrl,
      org: 'acme',
      user: 'bob',
      password: tessera.demoPassword,
    });
    const start = await bob.request('/cloudapi/1.0.0/users/current/totp', { method: 'POST' });
    const { secret } = JSON.parse(start.body) as { secret: string };
    await bob.request('/cloudapi/1.0.0/users/current/totp/confirm', {
      method: 'POST',
      contentType: 'application/json',
      body: JSON.stringify({ code: totpCode(secret) }),
    });
    const base = { endpoint: tessera.baseUrl, org: 'acme', user: 'bob', password: tessera.demoPassword };
    await assert.rejects(
      VcdClient.signIn(base),
      (error: unknown) => error instanceof VcdApiError && error.code === 'ERR_VCD_TOTP_REQUIRED',
    );
    await assert.rejects(
      VcdClient.signIn({ ...base, totp: '000000' === totpCode(secret) ? '111111' : '000000' }),
      (error: unknown) => error instanceof VcdApiError && error.code === 'ERR_VCD_TOTP_INVALID',
    );
    const signed = await VcdClient.signIn({ ...base, totp: totpCode(secret, Date.now() + 30_000) });
    assert.equal(signed.session.user.name, 'bob');
    assert.notEqual(signed.accessToken, accessToken);
  });

  test('signOut ends the session on the server', async () => {
    const { client, accessToken } = await VcdClient.signIn({
      endpoint: tessera.baseUrl,
      org: 'acme',
      user: 'alice',
      password: tessera.demoPassword,
    });
    await client.signOut();
    const after = await fetch(`${tessera.baseUrl}/cloudapi/1.0.0/sessions/current`, {
      headers: { Authorization: `Bearer ${accessToken}`, Accept: 'application/json;version=37.0' },
    });
    assert.equal(after.status, 401);
    await assert.rejects(client.currentSession(), /sign in again/);
  });
});

describe('SDK against Tessera: query service and lists', () => {
  let tessera: TesseraHandle;
  let apiToken: string;

  before(async () => {
    tessera = await startTessera();
    const { client } = await VcdClient.signIn({ endpoint: tessera.baseUrl, org: 'acme', user: 'alice', password: tessera.demoPassword });
    ({ apiToken } = await client.createToken('sdk-query'));
  });
  after(() => tessera.stop());

  test('queryVms walks every page; the count matches the server total', async () => {
    const client = new VcdClient({ endpoint: tessera.baseUrl, org: 'acme', apiToken });
    const pages = await collect(client.queryVmPages({ pageSize: 2 }));
    const total = pages[0]!.total;
    assert.ok(total > 2, `the demo org has more VMs than one page (total ${total})`);
    const vms = pages.flatMap((p) => p.items);
    assert.equal(vms.length, total);
    assert.equal(new Set(vms.map((vm) => vm.href)).size, total, 'no page repeated');
    assert.equal(pages.length, Math.ceil(total / 2));
    assert.ok(vms.every((vm) => typeof vm.name === 'string' && /\/api\/vApp(Template)?\/vm-/.test(vm.href)));
  });

  test('queryVms sorts and filters on the server', async () => {
    const client = new VcdClient({ endpoint: tessera.baseUrl, org: 'acme', apiToken });
    const names = (await collect(client.queryVms({ sort: '-name' }))).map((vm) => vm.name);
    assert.deepEqual(names, [...names].sort().reverse());
    const first = names[0]!;
    const filtered = await collect(client.queryVms({ filter: `name==${first}` }));
    assert.ok(filtered.length >= 1 && filtered.every((vm) => vm.name === first));
  });

  test('XML pages carry the server records verbatim', async () => {
    const client = new VcdClient({ endpoint: tessera.baseUrl, org: 'acme', apiToken });
    const pages = await collect(client.queryVmXmlPages({ pageSize: 3 }));
    const records = pages.flatMap((p) => p.items);
    assert.equal(records.length, pages[0]!.total);
    assert.ok(records.every((r) => r.startsWith('<VMRecord ')));
  });

  test('a bad filter is an ERR_VCD_BAD_REQUEST read from VCD XML', async () => {
    const client = new VcdClient({ endpoint: tessera.baseUrl, org: 'acme', apiToken });
    await assert.rejects(collect(client.queryVms({ filter: '((' })), (error: unknown) => {
      assert.ok(error instanceof VcdApiError);
      assert.equal(error.code, 'ERR_VCD_BAD_REQUEST');
      assert.equal(error.minorErrorCode, 'BAD_REQUEST');
      assert.ok(error.requestId, 'the request id is kept for the server logs');
      return true;
    });
  });

  test('System gets adminVM records across orgs', async () => {
    const { client } = await VcdClient.signIn({
      endpoint: tessera.baseUrl,
      org: 'System',
      user: 'administrator',
      password: tessera.adminPassword,
    });
    const { apiToken: adminToken } = await client.createToken('sdk-admin');
    const admin = new VcdClient({ endpoint: tessera.baseUrl, org: 'System', apiToken: adminToken });
    const vms = await collect(admin.queryVms());
    assert.ok(vms.length > 0);
    assert.ok(vms.every((vm) => vm._type === undefined || vm._type === 'QueryResultAdminVMRecordType'));
    const tenant = new VcdClient({ endpoint: tessera.baseUrl, org: 'acme', apiToken });
    assert.ok(vms.length > (await collect(tenant.queryVms())).length, 'the provider sees more than one tenant');
  });

  test('listOrgs and listVdcs read the paged cloudapi envelope', async () => {
    const client = new VcdClient({ endpoint: tessera.baseUrl, org: 'acme', apiToken });
    const orgs = await collect(client.listOrgs({ pageSize: 1 }));
    assert.ok(orgs.some((o) => o.name === 'acme'));
    assert.ok(orgs.every((o) => o.id.startsWith('urn:vcloud:org:')));
    const vdcs = await collect(client.listVdcs({ pageSize: 1 }));
    assert.ok(vdcs.length > 0);
    assert.ok(vdcs.every((v) => v.id.startsWith('urn:vcloud:vdc:')));
  });
});

describe('SDK against Tessera over HTTPS with its self-signed certificate', () => {
  let tessera: TesseraHandle;
  before(async () => {
    tessera = await startTessera({ https: true });
  });
  after(() => tessera.stop());

  test('refused by default with a hint, accepted with insecure: true', async () => {
    assert.match(tessera.baseUrl, /^https:/);
    await assert.rejects(
      VcdClient.signIn({ endpoint: tessera.baseUrl, org: 'acme', user: 'alice', password: tessera.demoPassword }),
      (error: unknown) => error instanceof VcdNetworkError && /not trusted.*insecure/.test(error.message),
    );
    const { client } = await VcdClient.signIn({
      endpoint: tessera.baseUrl,
      org: 'acme',
      user: 'alice',
      password: tessera.demoPassword,
      insecure: true,
    });
    const { apiToken } = await client.createToken('sdk-tls');
    const headers = await createVcdApiHeaders({ endpoint: tessera.baseUrl, tenant: 'acme', apiToken, insecure: true });
    assert.match(headers.cloudapi.Authorization, /^Bearer .{33,}/);
  });
});
