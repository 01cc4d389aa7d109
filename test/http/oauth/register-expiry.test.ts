/**
 * `POST .../register` reads an expiry under two names (`expirationTimeUtc`, its alias `expires_at`): a malformed one
 * under either name, the two with different instants, or any expiry on a service account (whose authorization's
 * end is the org's lifetime policy) is a 400 in the OAuth envelope that registers nothing. Until 2026-12-07 a service
 * account was created with the expiry silently ignored, and `expires_at` went unread beside `expirationTimeUtc`.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, type TesseraHandle } from '../../helpers/tessera.js';
import { http, oauthPath, signIn } from '../../helpers/api.js';

const SOFTWARE_ID = '12345678-1234-1234-1234-1234567890ab';
const LATER = '2036-01-31T23:59:59Z';

describe('register: the expiry fields', () => {
  let t: TesseraHandle;
  let alice: string;
  let admin: string;

  before(async () => {
    t = await startTessera({ config: { signInRateLimit: 1000 } });
    [alice, admin] = await Promise.all([
      signIn(t.baseUrl, 'alice', 'acme', t.demoPassword),
      signIn(t.baseUrl, 'administrator', 'System', t.adminPassword),
    ]);
  });
  after(async () => {
    await t?.stop();
  });

  const register = (session: string, org: string, body: Record<string, unknown>) =>
    http(`${t.baseUrl}${oauthPath(org)}/register`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${session}`, 'Content-Type': 'application/json', Accept: 'application/json;version=' },
      body: JSON.stringify(body),
    });
  const counts = async () => ({
    tokens: (await t.store.db.selectFrom('api_tokens').select('id').execute()).length,
    accounts: (await t.store.db.selectFrom('service_accounts').select('id').execute()).length,
  });
  const refused = (r: { status: number; text: string; json(): any }, message: RegExp, what: string) => {
    assert.equal(r.status, 400, `${what}: ${r.text}`);
    const body = r.json();
    assert.equal(body.minorErrorCode, 'invalid_request', what);
    assert.equal(body.error, 'invalid_request', what);
    assert.match(body.message, message, what);
  };
  const serviceAccount = { software_id: SOFTWARE_ID, scope: 'urn:vcloud:role:vApp%20Author' };

  test('a service account with any expiry is refused and not created, on both paths', async () => {
    const before = await counts();
    for (const [session, org] of [
      [alice, 'acme'],
      [admin, 'System'],
    ] as const) {
      const base = { ...serviceAccount, client_name: 'sa-expiry' };
      refused(
        await register(session, org, { ...base, expires_at: 'garbage' }),
        /expires_at must be an ISO 8601 date-time/,
        `${org} garbage`,
      );
      refused(
        await register(session, org, { ...base, expirationTimeUtc: 'tomorrow' }),
        /expirationTimeUtc must be an ISO 8601 date-time/,
        `${org} tomorrow`,
      );
      refused(await register(session, org, { ...base, expires_at: LATER }), /service account takes no expires_at/, `${org} valid expiry`);
    }
    assert.deepEqual(await counts(), before);
    // Without an expiry (or with an empty one, as before) it is created.
    const ok = await register(alice, 'acme', { ...serviceAccount, client_name: 'sa-no-expiry', expires_at: '', expirationTimeUtc: null });
    assert.equal(ok.status, 200, ok.text);
  });

  test('a user API token: a bad expires_at is refused even beside a good expirationTimeUtc', async () => {
    const before = await counts();
    refused(await register(alice, 'acme', { client_name: 'u-garbage', expires_at: 'garbage' }), /expires_at must be an ISO 8601/, 'alone');
    refused(
      await register(alice, 'acme', { client_name: 'u-both', expirationTimeUtc: LATER, expires_at: 'garbage' }),
      /expires_at must be an ISO 8601/,
      'beside a good one',
    );
    assert.deepEqual(await counts(), before);
  });

  test('the two names with different instants are refused; the same instant twice is one expiry', async () => {
    const before = await counts();
    refused(
      await register(alice, 'acme', { client_name: 'u-differ', expirationTimeUtc: LATER, expires_at: '2035-01-01T00:00:00Z' }),
      /expirationTimeUtc and expires_at name two different instants/,
      'two instants',
    );
    assert.deepEqual(await counts(), before);
    const same = await register(alice, 'acme', {
      client_name: 'u-same',
      expirationTimeUtc: LATER,
      expires_at: '2036-02-01T00:59:59+01:00',
    });
    assert.equal(same.status, 200, same.text);
    assert.equal(same.json().expirationTimeUtc, '2036-01-31T23:59:59.000Z');
    const alias = await register(alice, 'acme', { client_name: 'u-alias', expires_at: LATER });
    assert.equal(alias.status, 200, alias.text);
    assert.equal(alias.json().expirationTimeUtc, '2036-01-31T23:59:59.000Z');
  });
});
