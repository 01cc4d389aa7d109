/**
 * The documented API-token flow (VMware's 10.3.1 blog, the Tenant Portal Guide, Broadcom KB 429004),
 * replayed with the real curl binary: token POST with `Accept: application/json` and a form body, the
 * query-string variant, `GET /api/query?type=vm` and `/api/vms/query` with
 * `Accept: application/*+xml;version=36.1` and `Authorization: Bearer`, VMRecord attributes read as
 * PowerShell reads them (local names, string attributes), then revocation. See docs/conformance.md.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTessera } from '../helpers/tessera.js';
import { attr, curl, elements, parseJson, parseXmlRoot, removeCurlScratch, requireCurl, show, type CurlResponse } from './curl.js';
import { demoWorld, type DemoWorld } from './expect.js';

const API_VERSION = '36.1';
const XML_ACCEPT = `application/*+xml;version=${API_VERSION}`;
const FORM = 'Content-Type: application/x-www-form-urlencoded';
const VM_STATUSES = new Set([
  'FAILED_CREATION',
  'UNRESOLVED',
  'RESOLVED',
  'DEPLOYED',
  'SUSPENDED',
  'POWERED_ON',
  'WAITING_FOR_INPUT',
  'UNKNOWN',
  'UNRECOGNIZED',
  'POWERED_OFF',
  'INCONSISTENT_STATE',
  'MIXED',
]);

type Server = Awaited<ReturnType<typeof startTessera>>;

interface Minted {
  id: string;
  value: string;
  /** The password session that minted it (revokes it later). */
  sessionJwt: string;
}

/** Sign in with a password and mint an API token, as the portal does for a user (register + jwt-bearer). */
async function mintApiToken(base: string, org: string, user: string, password: string): Promise<Minted> {
  const provider = org.toLowerCase() === 'system';
  const signIn = await curl([
    '-X',
    'POST',
    '-u',
    `${user}@${org}:${password}`,
    '-H',
    `Accept: application/json;version=${API_VERSION}`,
    `${base}/cloudapi/1.0.0/sessions${provider ? '/provider' : ''}`,
  ]);
  assert.equal(signIn.status, 200, `password sign-in as ${user}@${org}:${show(signIn)}`);
  const sessionJwt = signIn.headers['x-vmware-vcloud-access-token'];
  assert.ok(sessionJwt && sessionJwt.length > 32, `sign-in: no X-VMWARE-VCLOUD-ACCESS-TOKEN:${show(signIn)}`);
  const oauth = `${base}/oauth/${provider ? 'provider' : `tenant/${org}`}`;
  const register = await curl([
    '-X',
    'POST',
    '-H',
    `Authorization: Bearer ${sessionJwt}`,
    '-H',
    `Accept: application/json;version=${API_VERSION}`,
    '-H',
    'Content-Type: application/json',
    '--data',
    JSON.stringify({ client_name: `conformance-curl-${user}-${Date.now()}` }),
    `${oauth}/register`,
  ]);
  assert.ok(register.status === 200 || register.status === 201, `register:${show(register)}`);
  const clientId = parseJson(register).client_id;
  assert.ok(typeof clientId === 'string' && /^[0-9a-f-]{36}$/.test(clientId), `register: client_id ${String(clientId)}:${show(register)}`);
  const grant = await curl([
    '-X',
    'POST',
    '-H',
    `Authorization: Bearer ${sessionJwt}`,
    '-H',
    'Accept: application/json',
    '--data-urlencode',
    'grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer',
    '--data-urlencode',
    `assertion=${sessionJwt}`,
    '--data-urlencode',
    `client_id=${clientId}`,
    `${oauth}/token`,
  ]);
  assert.equal(grant.status, 200, `jwt-bearer grant:${show(grant)}`);
  const value = parseJson(grant).refresh_token;
  assert.ok(typeof value === 'string' && value.length > 0, `jwt-bearer grant: no refresh_token:${show(grant)}`);
  return { id: `urn:vcloud:token:${clientId}`, value, sessionJwt };
}

/** Checks a successful token response the way the blog's script uses it ($r.access_token). */
function assertAccessTokenResponse(res: CurlResponse, label: string, apiToken: string): string {
  assert.equal(res.status, 200, `${label}:${show(res)}`);
  assert.match(res.headers['content-type'] ?? '', /^application\/json\b/, `${label}: Content-Type must be application/json:${show(res)}`);
  const body = parseJson(res);
  assert.ok(
    typeof body.access_token === 'string' && body.access_token.length > 32,
    `${label}: access_token missing or <= 32 chars:${show(res)}`,
  );
  assert.equal(body.token_type, 'Bearer', `${label}: token_type:${show(res)}`);
  assert.ok(typeof body.expires_in === 'number' && body.expires_in > 0, `${label}: expires_in must be a positive JSON number:${show(res)}`);
  assert.ok(
    body.refresh_token === undefined || body.refresh_token === null || body.refresh_token === apiToken,
    `${label}: a user API token must not rotate (refresh_token null, absent or the same token):${show(res)}`,
  );
  return body.access_token;
}

function queryGet(url: string, access: string): Promise<CurlResponse> {
  return curl(['-H', `Accept: ${XML_ACCEPT}`, '-H', `Authorization: Bearer ${access}`, url]);
}

interface Page {
  total: number;
  page: number;
  pageSize: number;
  records: ReturnType<typeof elements>;
  nextPage: string | undefined;
}

/** One QueryResultRecords page, checked as PowerShell's `$VMs.QueryResultRecords` would read it. */
function readVmPage(res: CurlResponse, label: string): Page {
  assert.equal(res.status, 200, `${label}:${show(res)}`);
  assert.match(
    res.headers['content-type'] ?? '',
    new RegExp(`^application/vnd\\.vmware\\.vcloud\\.query\\.records\\+xml;\\s*version=${API_VERSION.replace('.', '\\.')}$`),
    `${label}: Content-Type must be application/vnd.vmware.vcloud.query.records+xml;version=${API_VERSION} (PowerShell only parses *+xml):${show(res)}`,
  );
  const root = parseXmlRoot(res, 'QueryResultRecords');
  const total = Number(attr(root, 'total'));
  const page = Number(attr(root, 'page'));
  const pageSize = Number(attr(root, 'pageSize'));
  assert.ok(
    Number.isInteger(total) && Number.isInteger(page) && Number.isInteger(pageSize) && pageSize > 0,
    `${label}: total/page/pageSize attributes must be integers:${show(res)}`,
  );
  assert.equal(attr(root, 'name'), 'vm', `${label}: QueryResultRecords name:${show(res)}`);
  const records = elements(root, 'VMRecord');
  for (const vm of records) {
    const name = attr(vm, 'name') ?? '';
    const where = `${label}: VMRecord ${JSON.stringify(name)}`;
    assert.ok(name !== '', `${where} has no name:${show(res)}`);
    for (const ref of ['href', 'container', 'vdc']) {
      assert.match(attr(vm, ref) ?? '', /^https:\/\/.+\/api\//, `${where}: ${ref} must be an absolute https href:${show(res)}`);
    }
    assert.match(attr(vm, 'href')!, /\/api\/(vApp\/vm-|vAppTemplate\/vm-)[0-9a-f-]{36}$/, `${where}: href shape`);
    assert.ok(VM_STATUSES.has(attr(vm, 'status') ?? ''), `${where}: status ${attr(vm, 'status')} is not a VCD status name`);
    for (const flag of ['isVAppTemplate', 'isDeployed']) {
      assert.ok(['true', 'false'].includes(attr(vm, flag) ?? ''), `${where}: ${flag}=${attr(vm, flag)} must be "true" or "false"`);
    }
    for (const num of ['numberOfCpus', 'memoryMB']) {
      assert.match(attr(vm, num) ?? '', /^\d+$/, `${where}: ${num} must be an integer`);
    }
    for (const text of ['containerName', 'vdcName', 'guestOs', 'ownerName']) {
      assert.ok((attr(vm, text) ?? '') !== '', `${where}: ${text} is missing`);
    }
  }
  const nextPage = elements(root, 'Link').find((l) => attr(l, 'rel') === 'nextPage');
  return { total, page, pageSize, records, nextPage: nextPage && attr(nextPage, 'href') };
}

describe('the documented curl flow (VCD 10.3.1 blog, KB 429004) with the real curl binary', { timeout: 5 * 60_000 }, () => {
  let server: Server;
  let world: DemoWorld;
  let alice: Minted;
  let aliceAccess: string;
  let aliceVms: string[];

  before(async () => {
    requireCurl();
    world = demoWorld();
    server = await startTessera({ https: true, demo: true });
    assert.match(server.baseUrl, /^https:\/\/127\.0\.0\.1:\d+$/, 'startTessera must serve HTTPS on loopback');
    alice = await mintApiToken(server.baseUrl, 'acme', 'alice', server.demoPassword);
    aliceVms = world.vms
      .filter((v) => v.org === 'acme')
      .map((v) => v.name)
      .sort();
    assert.ok(aliceVms.length > 25, `the demo inventory must hold more than 25 VMs in acme to exercise paging (has ${aliceVms.length})`);
  });

  after(async () => {
    await server?.stop();
    removeCurlScratch();
  });

  test('token POST: Accept: application/json, form body (the blog)', async () => {
    const res = await curl([
      '-X',
      'POST',
      '-H',
      'Accept: application/json',
      '-H',
      FORM,
      '--data',
      `grant_type=refresh_token&refresh_token=${alice.value}`,
      `${server.baseUrl}/oauth/tenant/acme/token`,
    ]);
    aliceAccess = assertAccessTokenResponse(res, 'POST /oauth/tenant/acme/token (form body)', alice.value);
  });

  test('token POST: parameters in the query string, no body (KB 429004)', async () => {
    const res = await curl([
      '-X',
      'POST',
      '-H',
      'Accept: application/json',
      `${server.baseUrl}/oauth/tenant/acme/token?grant_type=refresh_token&refresh_token=${encodeURIComponent(alice.value)}`,
    ]);
    assertAccessTokenResponse(res, 'POST /oauth/tenant/acme/token?grant_type=...&refresh_token=... (no body)', alice.value);
  });

  test('token POST: raw form body without Content-Type (govcd <= v2.20, PowerShell "ContentType" typo)', async () => {
    const res = await curl([
      '-X',
      'POST',
      '-H',
      'Accept: application/json',
      '-H',
      'Content-Type:',
      '--data-binary',
      `grant_type=refresh_token&refresh_token=${alice.value}`,
      `${server.baseUrl}/oauth/tenant/acme/token`,
    ]);
    assertAccessTokenResponse(res, 'POST /oauth/tenant/acme/token (no Content-Type)', alice.value);
  });

  test('token POST: a tenant token at /oauth/provider/token is refused (CPI/CAPVCD try it first)', async () => {
    const res = await curl([
      '-X',
      'POST',
      '-H',
      'Accept: application/json',
      '-H',
      FORM,
      '--data',
      `grant_type=refresh_token&refresh_token=${alice.value}`,
      `${server.baseUrl}/oauth/provider/token`,
    ]);
    assert.ok(res.status >= 400 && res.status < 500, `want a 4xx:${show(res)}`);
    assert.equal(parseJson(res).minorErrorCode, 'invalid_grant', `want minorErrorCode invalid_grant:${show(res)}`);
  });

  test('GET /api/query?type=vm, Accept application/*+xml;version=36.1: page 1 and its VMRecord attributes', async () => {
    const page = readVmPage(await queryGet(`${server.baseUrl}/api/query?type=vm`, aliceAccess), 'GET /api/query?type=vm');
    assert.equal(page.total, aliceVms.length, `total = every VM alice can see in acme (${aliceVms.length})`);
    assert.equal(page.page, 1);
    assert.equal(page.pageSize, 25, 'default pageSize is 25 as on VCD');
    assert.equal(page.records.length, 25, 'a full first page');
    assert.ok(page.nextPage, 'Link rel="nextPage" when more records exist (pyvcloud pages by it)');
  });

  test('GET /api/query?type=vm&page=N: every page, names as in the demo inventory', async () => {
    const names: string[] = [];
    let total = 0;
    for (let n = 1; n <= 20; n++) {
      const page = readVmPage(
        await queryGet(`${server.baseUrl}/api/query?type=vm&page=${n}`, aliceAccess),
        `GET /api/query?type=vm&page=${n}`,
      );
      total = page.total;
      assert.equal(page.page, n, `page attribute of page ${n}`);
      names.push(...page.records.map((r) => attr(r, 'name')!));
      if (names.length >= total) {
        assert.equal(page.nextPage, undefined, `no nextPage link on the last page (${n})`);
        break;
      }
      assert.ok(page.nextPage, `page ${n} of ${Math.ceil(total / page.pageSize)} must link rel="nextPage"`);
    }
    assert.deepEqual(names.slice().sort(), aliceVms, 'the VM names across all pages');
  });

  test('GET /api/vms/query?pageSize=500 (the legacy per-type alias, as scripts use it)', async () => {
    const page = readVmPage(await queryGet(`${server.baseUrl}/api/vms/query?pageSize=500`, aliceAccess), 'GET /api/vms/query?pageSize=500');
    assert.equal(page.total, aliceVms.length, 'total');
    assert.equal(page.pageSize, 128, "pageSize=500 is clamped to 128, VCD's maxPageSize (vcd-wire §9.4)");
    assert.equal(page.records.length, Math.min(page.total, page.pageSize), 'records on the page');
    if (page.total <= 128) {
      assert.deepEqual(page.records.map((r) => attr(r, 'name')!).sort(), aliceVms, 'every VM on one page');
    }
    const plain = readVmPage(await queryGet(`${server.baseUrl}/api/vms/query`, aliceAccess), 'GET /api/vms/query');
    assert.equal(plain.total, aliceVms.length, 'GET /api/vms/query total');
  });

  test('KB 429004: a System token at /oauth/provider/token in the query string, then GET /api/org', async () => {
    const admin = await mintApiToken(server.baseUrl, 'System', 'administrator', server.adminPassword);
    const res = await curl([
      '-X',
      'POST',
      '-H',
      'Accept: application/json',
      `${server.baseUrl}/oauth/provider/token?grant_type=refresh_token&refresh_token=${encodeURIComponent(admin.value)}`,
    ]);
    const access = assertAccessTokenResponse(res, 'POST /oauth/provider/token?... (System token)', admin.value);
    const orgs = await curl(['-H', `Accept: ${XML_ACCEPT}`, '-H', `Authorization: Bearer ${access}`, `${server.baseUrl}/api/org`]);
    assert.equal(orgs.status, 200, `GET /api/org as administrator:${show(orgs)}`);
    const names = elements(parseXmlRoot(orgs, 'OrgList'), 'Org').map((o) => attr(o, 'name'));
    for (const org of world.orgs) assert.ok(names.includes(org), `GET /api/org as administrator lists ${org}:${show(orgs)}`);
  });

  test('revocation: the next call with the old access token is 401 with an XML <Error>; the token POST is invalid_grant', async () => {
    const del = await curl([
      '-X',
      'DELETE',
      '-H',
      `Authorization: Bearer ${alice.sessionJwt}`,
      '-H',
      `Accept: application/json;version=${API_VERSION}`,
      `${server.baseUrl}/cloudapi/1.0.0/tokens/${alice.id}`,
    ]);
    assert.equal(del.status, 204, `DELETE /cloudapi/1.0.0/tokens/{id}:${show(del)}`);

    for (const path of ['/api/query?type=vm', '/api/vms/query']) {
      const res = await queryGet(`${server.baseUrl}${path}`, aliceAccess);
      assert.equal(res.status, 401, `GET ${path} after revocation:${show(res)}`);
      assert.match(
        res.headers['content-type'] ?? '',
        /^application\/vnd\.vmware\.vcloud\.error\+xml/,
        `GET ${path}: error Content-Type:${show(res)}`,
      );
      const error = parseXmlRoot(res, 'Error');
      assert.equal(attr(error, 'majorErrorCode'), '401', `GET ${path}: <Error majorErrorCode>:${show(res)}`);
      assert.ok(attr(error, 'minorErrorCode'), `GET ${path}: <Error minorErrorCode>:${show(res)}`);
      assert.ok(attr(error, 'message'), `GET ${path}: <Error message>:${show(res)}`);
    }

    const again = await curl([
      '-X',
      'POST',
      '-H',
      'Accept: application/json',
      '-H',
      FORM,
      '--data',
      `grant_type=refresh_token&refresh_token=${alice.value}`,
      `${server.baseUrl}/oauth/tenant/acme/token`,
    ]);
    assert.ok(again.status >= 400 && again.status < 500, `token POST after revocation: want 4xx:${show(again)}`);
    assert.match(again.headers['content-type'] ?? '', /^application\/json\b/, `token POST after revocation: JSON error:${show(again)}`);
    const body = parseJson(again);
    assert.equal(body.minorErrorCode, 'invalid_grant', `token POST after revocation:${show(again)}`);
    assert.equal(typeof body.message, 'string', `token POST after revocation: message:${show(again)}`);
  });
});
