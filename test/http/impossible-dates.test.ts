/**
 * Dates that do not exist (2027-02-30, T24:00, second 60) are refused at every door that reads one
 * (src/domain/instant.ts parseIsoDateTime), each with its API's 400: the token expiry at register, the cloudapi
 * and `/api/query` FIQL date filters, the portal's expiry field and its audit date filter. Date.parse rolled them
 * over (2027-02-30 became March 2), which docs/security.md's "a real instant" does not allow.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { bearer, http, signIn } from '../helpers/api.js';
import { XML_ACCEPT, xmlError } from './legacy/support.js';
import { PortalClient } from '../portal/portal-client.js';

const IMPOSSIBLE = [
  '2037-02-30T00:00:00Z',
  '2037-02-29T12:00:00Z',
  '2037-04-31T00:00:00Z',
  '2037-01-01T24:00:00Z',
  '2037-01-01T23:60:00Z',
  '2037-01-01T23:59:60Z',
];

describe('impossible calendar dates', () => {
  let t: TesseraHandle;
  let alice: string;
  let portal: PortalClient;

  before(async () => {
    t = await startTessera({ demo: true, config: { signInRateLimit: 1000 } });
    alice = await signIn(t.baseUrl, 'alice', 'acme', t.demoPassword);
    portal = new PortalClient(t.server.app);
    await portal.signIn('/tenant/acme', 'alice', t.demoPassword);
  });
  after(async () => {
    await t?.stop();
  });

  const register = (body: unknown) =>
    http(`${t.baseUrl}/oauth/tenant/acme/register`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${alice}`, 'Content-Type': 'application/json', Accept: 'application/json;version=' },
      body: JSON.stringify(body),
    });
  const tokenCount = async () => (await t.store.db.selectFrom('api_tokens').select('id').execute()).length;

  test('register: an expiry that is no real instant is a 400 invalid_request, and no token is registered', async () => {
    const before = await tokenCount();
    for (const [i, expirationTimeUtc] of IMPOSSIBLE.entries()) {
      const r = await register({ client_name: `impossible-${i}`, expirationTimeUtc });
      assert.equal(r.status, 400, `${expirationTimeUtc}: ${r.text}`);
      assert.equal(r.json().minorErrorCode, 'invalid_request', expirationTimeUtc);
      assert.match(r.json().message, /expirationTimeUtc must be an ISO 8601 date-time/, expirationTimeUtc);
    }
    assert.equal(await tokenCount(), before);
    const leap = await register({ client_name: 'leap-day', expirationTimeUtc: '2036-02-29T23:59:59Z' });
    assert.equal(leap.status, 200, leap.text);
    assert.equal(leap.json().expirationTimeUtc, '2036-02-29T23:59:59.000Z');
  });

  test('FIQL date filters: a 400 in the cloudapi envelope and in the XML query API', async () => {
    for (const date of IMPOSSIBLE) {
      const json = await http(`${t.baseUrl}/cloudapi/1.0.0/tokens?filter=${encodeURIComponent(`expirationTimeUtc=lt=${date}`)}`, {
        headers: bearer(alice),
      });
      assert.equal(json.status, 400, `${date}: ${json.text}`);
      assert.match(json.json().message, /not an ISO 8601 date-time/, date);
      const xml = await http(`${t.baseUrl}/api/query?type=vm&filter=${encodeURIComponent(`dateCreated=gt=${date}`)}`, {
        headers: { Authorization: `Bearer ${alice}`, Accept: XML_ACCEPT },
      });
      assert.match(xmlError(xml, 400, 'BAD_REQUEST'), /not an ISO 8601 date-time/, date);
    }
    const ok = await http(`${t.baseUrl}/cloudapi/1.0.0/tokens?filter=${encodeURIComponent('expirationTimeUtc=lt=2036-02-29T00:00:00Z')}`, {
      headers: bearer(alice),
    });
    assert.equal(ok.status, 200, ok.text);
  });

  test('FIQL date filters take ISO 8601 only: digits (epoch milliseconds) are a 400 on every cloudapi date field', async () => {
    // Until 2026-12-07 `createdTimeUtc=gt=1` was a filter (read as epoch milliseconds), while the same API insists on
    // ISO 8601 for every other date it reads.
    const lists: Array<[string, string[]]> = [
      ['tokens', ['createdTimeUtc', 'expirationTimeUtc', 'lastUsedTimeUtc']],
      ['auditTrail', ['timestamp']],
    ];
    for (const [list, fields] of lists) {
      for (const field of fields) {
        for (const filter of [`${field}=gt=1`, `${field}=le=1704067200000`, `${field}==0`]) {
          const json = await http(`${t.baseUrl}/cloudapi/1.0.0/${list}?filter=${encodeURIComponent(filter)}`, { headers: bearer(alice) });
          assert.equal(json.status, 400, `${list} ${filter}: ${json.text}`);
          assert.match(String(json.headers.get('content-type')), /^application\/json/, filter);
          assert.equal(json.json().minorErrorCode, 'BAD_REQUEST', filter);
          assert.match(json.json().message, /not an ISO 8601 date-time/, filter);
        }
        const iso = await http(`${t.baseUrl}/cloudapi/1.0.0/${list}?filter=${encodeURIComponent(`${field}=gt=2024-01-01T00:00:00Z`)}`, {
          headers: bearer(alice),
        });
        assert.equal(iso.status, 200, `${list} ${field}: ${iso.text}`);
      }
    }
  });

  test('the portal: the audit date filter and the expiry field refuse them with a 400 page', async () => {
    for (const day of ['2037-02-30', '2037-02-29', '2037-06-31']) {
      for (const query of [`from=${day}`, `to=${day}`]) {
        const page = await portal.get(`/tenant/acme/administration/audit?${query}`);
        assert.equal(page.statusCode, 400, `${query}: ${page.statusCode}`);
        assert.match(page.body, new RegExp(`&quot;${day}&quot; is not a date|"${day}" is not a date`), query);
      }
      const form = await portal.submit('/tenant/acme/preferences/tokens/new', '/tenant/acme/preferences/tokens', {
        name: `portal-${day}`,
        expiry: 'date',
        expiresOn: day,
      });
      assert.equal(form.statusCode, 400, day);
      assert.match(form.body, /The expiry date must be a date such as 2030-12-31/);
    }
    assert.equal((await portal.get('/tenant/acme/administration/audit?from=2036-02-29&to=2036-02-29')).statusCode, 200);
  });
});
