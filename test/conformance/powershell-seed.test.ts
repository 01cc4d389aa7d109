/**
 * The seed's own PowerShell, replayed byte for byte: VMware's 10.3.1 API-token blog defines
 * `Create-VcdApiHeaders`, which posts the exchange with a hard-coded `Content-Length: 71`, `Accept:
 * application/json` and the form body PowerShell builds from a hashtable (whose key order is not defined, so
 * both orders occur). PowerShell 7 moves Content-Length onto the request content and .NET refuses to send a
 * body of any other length, so the function works only with a 32-character token that needs no encoding: the
 * shape Tessera now mints. No pwsh on the test machines (reference/vcd-clients.md §5), so the request
 * PowerShell 7 builds is written to a raw TLS socket here, exactly; then the blog's next step verbatim:
 * `GET /api/query?type=vm` with `Accept: application/*+xml;version=36.1` and the Bearer, read as PowerShell
 * reads it (`$VMs.QueryResultRecords.VMRecord`, attributes as string properties).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { createTransport } from '../../src/client/transport.js';
import { legacyApiToken } from '../helpers/legacy-api-token.js';
import { attr, elements, parseXmlRoot, type CurlResponse } from './curl.js';
import { demoWorld } from './expect.js';
import { sendRaw, type RawResponse } from './raw-http.js';

/** What Invoke-WebRequest/Invoke-RestMethod of PowerShell 7.4 on Linux put in User-Agent. */
const USER_AGENT = 'Mozilla/5.0 (Linux; Ubuntu 24.04; en-US) PowerShell/7.4.6';
/**
 * The VMRecord attributes PowerShell scripts read and show (reference/vcd-clients.md §5 step 3): each must be
 * there as a non-empty string property, or a `Format-Table` column comes out blank.
 */
const VM_RECORD_ATTRIBUTES = [
  'name',
  'href',
  'status',
  'container',
  'containerName',
  'vdc',
  'vdcName',
  'isVAppTemplate',
  'isDeployed',
  'numberOfCpus',
  'memoryMB',
  'guestOs',
  'storageProfileName',
  'ownerName',
];

const tls = createTransport({ insecure: true });

/** Sign in with a password, register and mint (what the portal does for the user who then copies the token). */
async function mintToken(base: string, password: string): Promise<string> {
  const basic = 'Basic ' + Buffer.from(`bob@acme:${password}`).toString('base64');
  const session = await tls({
    method: 'POST',
    url: `${base}/cloudapi/1.0.0/sessions`,
    headers: { Authorization: basic, Accept: 'application/json;version=36.1' },
  });
  assert.equal(session.status, 200, session.body);
  const jwt = session.headers.get('x-vmware-vcloud-access-token')!;
  const register = await tls({
    method: 'POST',
    url: `${base}/oauth/tenant/acme/register`,
    headers: { Authorization: `Bearer ${jwt}`, Accept: 'application/json', 'Content-Type': 'application/json' },
    body: JSON.stringify({ client_name: `powershell-seed-${Date.now()}` }),
  });
  assert.equal(register.status, 200, register.body);
  const grant = await tls({
    method: 'POST',
    url: `${base}/oauth/tenant/acme/token`,
    headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      assertion: jwt,
      client_id: JSON.parse(register.body).client_id,
    }).toString(),
  });
  assert.equal(grant.status, 200, grant.body);
  return JSON.parse(grant.body).refresh_token as string;
}

/** The exchange request of Create-VcdApiHeaders as PowerShell 7 puts it on the wire. */
function exchangeRequest(host: string, body: string): string {
  return [
    'POST /oauth/tenant/acme/token HTTP/1.1',
    `Host: ${host}`,
    `User-Agent: ${USER_AGENT}`,
    'Accept: application/json',
    'Content-Type: application/x-www-form-urlencoded',
    'Content-Length: 71',
    '',
    body,
  ].join('\r\n');
}

/** `Invoke-RestMethod -Uri "$url/api/query?type=vm" -Headers $headers`, $headers from Create-VcdApiHeaders. */
function vmQueryRequest(host: string, accessToken: string): string {
  return [
    'GET /api/query?type=vm HTTP/1.1',
    `Host: ${host}`,
    `User-Agent: ${USER_AGENT}`,
    'Accept: application/*+xml;version=36.1',
    `Authorization: Bearer ${accessToken}`,
    '',
    '',
  ].join('\r\n');
}

const show = (res: RawResponse) =>
  `\n--- sent (token masked) ---\n${res.sent.replace(/(refresh_token=|Bearer )[^&\r\n]+/g, '$1…')}\n--- got ${res.status} ---\n${res.body.slice(0, 1500)}`;

describe("the VCD blog's Create-VcdApiHeaders (PowerShell 7), byte for byte over TLS", { timeout: 120_000 }, () => {
  let server: TesseraHandle;
  let host: string;
  let token: string;

  before(async () => {
    server = await startTessera({ https: true, demo: true });
    host = new URL(server.baseUrl).host;
    token = await mintToken(server.baseUrl, server.demoPassword);
  });
  after(async () => server?.stop());

  test('the token Tessera mints fits the hard-coded Content-Length: 71, in either hashtable key order', () => {
    assert.match(token, /^[0-9A-Za-z]{32}$/);
    for (const body of [`grant_type=refresh_token&refresh_token=${token}`, `refresh_token=${token}&grant_type=refresh_token`]) {
      assert.equal(Buffer.byteLength(body), 71);
    }
    // Why the format changed: the old 53-character tokens made a 92-byte body, which .NET refuses to send.
    assert.equal(Buffer.byteLength(`grant_type=refresh_token&refresh_token=${legacyApiToken()}`), 92);
  });

  for (const order of ['grant_type first', 'refresh_token first'] as const) {
    test(`exchange (${order}), then GET /api/query?type=vm as the blog does: VM records with the attributes scripts read`, async () => {
      const body =
        order === 'grant_type first'
          ? `grant_type=refresh_token&refresh_token=${token}`
          : `refresh_token=${token}&grant_type=refresh_token`;
      const exchanged = await sendRaw(server.baseUrl, exchangeRequest(host, body));
      assert.equal(exchanged.status, 200, show(exchanged));
      assert.match(exchanged.headers['content-type'] ?? '', /^application\/json\b/, 'so that $r.access_token works');
      const answer = JSON.parse(exchanged.body) as { access_token?: unknown; token_type?: unknown; expires_in?: unknown };
      assert.equal(answer.token_type, 'Bearer');
      assert.ok(typeof answer.access_token === 'string' && answer.access_token.length > 32, show(exchanged));
      assert.ok(typeof answer.expires_in === 'number' && answer.expires_in > 0);

      const vms = await sendRaw(server.baseUrl, vmQueryRequest(host, answer.access_token));
      assert.equal(vms.status, 200, show(vms));
      // Invoke-RestMethod returns an XmlDocument only for an XML media type (*+xml counts).
      assert.match(vms.headers['content-type'] ?? '', /^application\/vnd\.vmware\.vcloud\.query\.records\+xml;\s*version=36\.1$/);
      const root = parseXmlRoot({ ...vms, command: 'raw GET /api/query?type=vm' } as CurlResponse, 'QueryResultRecords');
      const records = elements(root, 'VMRecord');
      const acme = demoWorld().vms.filter((vm) => vm.org === 'acme');
      assert.equal(Number(attr(root, 'total')), acme.length, 'total counts every VM of the org');
      assert.equal(records.length, Math.min(acme.length, Number(attr(root, 'pageSize'))), 'the first page is full');
      const known = new Set(acme.map((vm) => vm.name));
      for (const vm of records) {
        const name = attr(vm, 'name') ?? '';
        assert.ok(known.has(name), `VMRecord ${name} is a VM of acme`);
        for (const attribute of VM_RECORD_ATTRIBUTES) {
          assert.ok((attr(vm, attribute) ?? '') !== '', `VMRecord ${name}: ${attribute} is missing or empty`);
        }
      }
    });
  }

  test('a 71-byte body carrying a token one character short is refused with invalid_grant', async () => {
    const short = `grant_type=refresh_token&refresh_token=${token.slice(0, 31)}`;
    const res = await sendRaw(server.baseUrl, exchangeRequest(host, `${short}&`));
    // 71 bytes, but the token in it is 31 characters: a plain invalid_grant, never a 200.
    assert.equal(res.status, 400, show(res));
    assert.equal(JSON.parse(res.body).minorErrorCode, 'invalid_grant');
  });
});
