/**
 * Unit tests of the client's mechanics (lazy exchange, renewal, one retry on 401, paging, error parsing) against
 * a tiny node:http stub, where the server's behaviour can be bent at will. The acceptance tests against a real
 * Tessera are in test/client/against-tessera.test.ts.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, test } from 'node:test';
import { generate } from 'selfsigned';
import { createVcdApiHeaders, VcdApiError, VcdClient, VcdNetworkError } from '../../src/client/index.js';

const GOOD_TOKEN = 'tsr_good';
const VMS = Array.from({ length: 5 }, (_, i) => ({
  _type: 'QueryResultVMRecordType',
  name: `vm${i}`,
  href: `https://h/api/vApp/vm-${i}`,
  numberOfCpus: i + 1,
}));

interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

const state = {
  seen: [] as Seen[],
  issued: 0,
  valid: new Set<string>(),
  expiresIn: 3600,
  /** Answer 401 to this many bearer requests regardless of the token. */
  forced401: 0,
};

function reply(res: ServerResponse, status: number, body: string, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type, 'x-vmware-vcloud-request-id': `req-${state.seen.length}` });
  res.end(body);
}

function handle(req: IncomingMessage, res: ServerResponse, body: string): void {
  const url = new URL(req.url ?? '/', 'http://stub');
  state.seen.push({ method: req.method ?? '', path: url.pathname, query: url.searchParams, headers: req.headers, body });
  if (req.method === 'POST' && /^\/oauth\/(tenant\/[^/]+|provider)\/token$/.test(url.pathname)) {
    const form = new URLSearchParams(body);
    if (form.get('grant_type') !== 'refresh_token' || form.get('refresh_token') !== GOOD_TOKEN) {
      return reply(res, 400, '{"minorErrorCode":"invalid_grant","message":"Invalid refresh token","stackTrace":null}');
    }
    const accessToken = `access-token-${++state.issued}-${'x'.repeat(40)}`;
    state.valid.add(accessToken);
    return reply(
      res,
      200,
      JSON.stringify({ access_token: accessToken, token_type: 'Bearer', expires_in: state.expiresIn, refresh_token: null }),
    );
  }
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  if (state.forced401 > 0 || !bearer || !state.valid.has(bearer)) {
    state.forced401 = Math.max(0, state.forced401 - 1);
    if (url.pathname.startsWith('/api/')) {
      return reply(
        res,
        401,
        '<Error xmlns="http://www.vmware.com/vcloud/v1.5" minorErrorCode="UNAUTHORIZED" message="Unauthenticated" majorErrorCode="401"/>',
        'application/vnd.vmware.vcloud.error+xml',
      );
    }
    return reply(res, 401, '{"minorErrorCode":"UNAUTHORIZED","message":"Unauthenticated","stackTrace":null}');
  }
  if (url.pathname === '/api/query') {
    if (url.searchParams.get('filter') === 'bad==') {
      return reply(
        res,
        400,
        '<Error minorErrorCode="BAD_REQUEST" message="Cannot parse the supplied filter" majorErrorCode="400"/>',
        'application/vnd.vmware.vcloud.error+xml',
      );
    }
    const page = Number(url.searchParams.get('page') ?? 1);
    const pageSize = Number(url.searchParams.get('pageSize') ?? 25);
    const record = VMS.slice((page - 1) * pageSize, page * pageSize);
    return reply(
      res,
      200,
      JSON.stringify({ name: url.searchParams.get('type'), page, pageSize, total: VMS.length, record }),
      'application/vnd.vmware.vcloud.query.records+json',
    );
  }
  if (url.pathname === '/cloudapi/1.0.0/orgs') {
    const page = Number(url.searchParams.get('page') ?? 1);
    const values = page === 1 ? [{ id: 'urn:vcloud:org:1', name: 'acme' }] : [{ id: 'urn:vcloud:org:2', name: 'globex' }];
    return reply(res, 200, JSON.stringify({ resultTotal: 2, pageCount: 2, page, pageSize: 1, values }));
  }
  return reply(res, 404, '{"minorErrorCode":"RESOURCE_NOT_FOUND","message":"no such path","stackTrace":null}');
}

let server: Server;
let endpoint: string;

before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => handle(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  state.seen = [];
  state.valid.clear();
  state.expiresIn = 3600;
  state.forced401 = 0;
});

const exchanges = () => state.seen.filter((s) => s.path.startsWith('/oauth/')).length;

test('exchanges lazily, once, shared by concurrent requests; form body as VCD expects', async () => {
  const client = new VcdClient({ endpoint: `${endpoint}/api`, org: 'acme', apiToken: GOOD_TOKEN });
  assert.equal(state.seen.length, 0, 'nothing sent on construction');
  await Promise.all([
    client.request('/cloudapi/1.0.0/orgs'),
    client.request('/cloudapi/1.0.0/orgs'),
    client.request('/cloudapi/1.0.0/orgs'),
  ]);
  assert.equal(exchanges(), 1);
  const exchange = state.seen[0]!;
  assert.equal(exchange.path, '/oauth/tenant/acme/token');
  assert.equal(exchange.headers['content-type'], 'application/x-www-form-urlencoded');
  assert.equal(exchange.body, `grant_type=refresh_token&refresh_token=${GOOD_TOKEN}`);
  const call = state.seen[1]!;
  assert.equal(call.headers.accept, 'application/json;version=37.0');
  assert.match(call.headers.authorization ?? '', /^Bearer access-token-/);
});

test('renews before expires_in runs out, not before', async () => {
  let now = 1_000_000;
  state.expiresIn = 100;
  const client = new VcdClient({ endpoint, org: 'acme', apiToken: GOOD_TOKEN, now: () => now });
  const first = await client.accessToken();
  now += 70_000; // before the renewal margin (a quarter of 100 s)
  assert.equal(await client.accessToken(), first);
  now += 10_000; // 80 s: inside the margin
  const second = await client.accessToken();
  assert.notEqual(second, first);
  assert.equal(exchanges(), 2);
});

test('a 401 leads to one new exchange and one retry, not more', async () => {
  const client = new VcdClient({ endpoint, org: 'acme', apiToken: GOOD_TOKEN });
  await client.accessToken();
  state.forced401 = 1;
  const response = await client.request('/cloudapi/1.0.0/orgs');
  assert.equal(response.status, 200);
  assert.equal(exchanges(), 2);

  state.forced401 = 5;
  await assert.rejects(client.request('/cloudapi/1.0.0/orgs'), (error: unknown) => {
    assert.ok(error instanceof VcdApiError);
    assert.equal(error.code, 'ERR_VCD_UNAUTHORIZED');
    return true;
  });
  assert.equal(exchanges(), 3);
});

test('a refused API token is an ERR_VCD_INVALID_GRANT that says why', async () => {
  const client = new VcdClient({ endpoint, org: 'acme', apiToken: 'tsr_revoked' });
  await assert.rejects(client.request('/cloudapi/1.0.0/orgs'), (error: unknown) => {
    assert.ok(error instanceof VcdApiError);
    assert.equal(error.code, 'ERR_VCD_INVALID_GRANT');
    assert.equal(error.status, 400);
    assert.equal(error.minorErrorCode, 'invalid_grant');
    assert.match(error.message, /refused .* revoked/);
    assert.match(error.message, /Invalid refresh token/);
    return true;
  });
});

test('a session access token is used as is and a 401 says to sign in again', async () => {
  const client = new VcdClient({ endpoint, org: 'acme', accessToken: 'x'.repeat(40) });
  await assert.rejects(client.request('/cloudapi/1.0.0/orgs'), /sign in again/);
  assert.equal(exchanges(), 0);
});

test('queryVms walks all pages with the JSON Accept, type, sort and filter', async () => {
  const client = new VcdClient({ endpoint, org: 'acme', apiToken: GOOD_TOKEN, apiVersion: '36.1' });
  const names: string[] = [];
  for await (const vm of client.queryVms({ pageSize: 2, sort: '-name', filter: 'isVAppTemplate==false' })) names.push(vm.name);
  assert.deepEqual(names, ['vm0', 'vm1', 'vm2', 'vm3', 'vm4']);
  const queries = state.seen.filter((s) => s.path === '/api/query');
  assert.deepEqual(
    queries.map((q) => q.query.get('page')),
    ['1', '2', '3'],
  );
  for (const q of queries) {
    assert.equal(q.headers.accept, 'application/*+json;version=36.1');
    assert.equal(q.query.get('type'), 'vm');
    assert.equal(q.query.get('sortDesc'), 'name');
    assert.equal(q.query.get('filter'), 'isVAppTemplate==false');
  }
});

test('System uses the provider token path and adminVM', async () => {
  const client = new VcdClient({ endpoint, org: 'SYSTEM', apiToken: GOOD_TOKEN });
  for await (const _ of client.queryVms()) void _;
  assert.equal(state.seen[0]!.path, '/oauth/provider/token');
  assert.equal(state.seen[1]!.query.get('type'), 'adminVM');
});

test('XML errors from /api become VcdApiError with code, message and request id', async () => {
  const client = new VcdClient({ endpoint, org: 'acme', apiToken: GOOD_TOKEN });
  await assert.rejects(client.queryVms({ filter: 'bad==' }).next(), (error: unknown) => {
    assert.ok(error instanceof VcdApiError);
    assert.equal(error.code, 'ERR_VCD_BAD_REQUEST');
    assert.equal(error.serverMessage, 'Cannot parse the supplied filter');
    assert.equal(error.majorErrorCode, 400);
    assert.match(error.requestId ?? '', /^req-/);
    assert.doesNotMatch(error.url, /filter/, 'the query string stays out of the error');
    return true;
  });
});

test('listOrgs follows pageCount', async () => {
  const client = new VcdClient({ endpoint, org: 'acme', apiToken: GOOD_TOKEN });
  const names: string[] = [];
  for await (const org of client.listOrgs()) names.push(org.name);
  assert.deepEqual(names, ['acme', 'globex']);
});

test('createVcdApiHeaders returns /api, /api JSON and /cloudapi headers with the expiry', async () => {
  const before = Date.now();
  const headers = await createVcdApiHeaders({ endpoint, tenant: 'acme', apiToken: GOOD_TOKEN });
  assert.match(headers.api.Authorization, /^Bearer access-token-/);
  assert.equal(headers.api.Accept, 'application/*+xml;version=37.0');
  assert.equal(headers.apiJson.Accept, 'application/*+json;version=37.0');
  assert.equal(headers.cloudapi.Accept, 'application/json;version=37.0');
  assert.ok(headers.expiresAt.getTime() >= before + 3_600_000 && headers.expiresAt.getTime() <= Date.now() + 3_600_000);
  assert.equal(headers.rotatedApiToken, null);
});

test('input mistakes are TypeErrors before any request', () => {
  assert.throws(() => new VcdClient({ endpoint, org: 'acme' }), TypeError);
  assert.throws(() => new VcdClient({ endpoint, org: '', apiToken: 'x' }), TypeError);
  assert.throws(() => new VcdClient({ endpoint, org: 'acme', apiToken: 'x', accessToken: 'y' }), TypeError);
  assert.throws(() => new VcdClient({ endpoint, org: 'acme', apiToken: 'x', apiVersion: 'v37' }), TypeError);
  assert.equal(state.seen.length, 0);
});

test('insecure reaches a self-signed https server; the default refuses it with a hint', async () => {
  const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], { keySize: 2048 });
  const tls = createHttpsServer({ key: pems.private, cert: pems.cert }, (req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => handle(req, res, body));
  });
  await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
  try {
    const httpsEndpoint = `https://127.0.0.1:${(tls.address() as AddressInfo).port}`;
    await assert.rejects(createVcdApiHeaders({ endpoint: httpsEndpoint, tenant: 'acme', apiToken: GOOD_TOKEN }), (error: unknown) => {
      assert.ok(error instanceof VcdNetworkError);
      assert.equal(error.code, 'ERR_VCD_NETWORK');
      assert.match(error.message, /not trusted .*insecure/);
      return true;
    });
    const client = new VcdClient({ endpoint: httpsEndpoint, org: 'acme', apiToken: GOOD_TOKEN, insecure: true });
    const names: string[] = [];
    for await (const org of client.listOrgs()) names.push(org.name);
    assert.deepEqual(names, ['acme', 'globex']);
  } finally {
    tls.closeAllConnections();
    await new Promise<void>((resolve) => tls.close(() => resolve()));
  }
});

test('an unreachable endpoint is an ERR_VCD_NETWORK naming the origin', async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  await assert.rejects(
    createVcdApiHeaders({ endpoint: `http://127.0.0.1:${port}`, tenant: 'acme', apiToken: GOOD_TOKEN }),
    (error: unknown) => {
      assert.ok(error instanceof VcdNetworkError);
      assert.match(error.message, new RegExp(`Cannot reach http://127.0.0.1:${port}: .*ECONNREFUSED`));
      return true;
    },
  );
});
