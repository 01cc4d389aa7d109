/**
 * Service accounts on VCD 10.4's wire (issue 13; vcd-wire §11; docs/service-accounts.md): register with
 * software_id, the device flow (authorize, grant or deny, the RFC 8628 polling errors), the first token, rotation
 * on every refresh, reuse detection (RFC 9700 §4.14.2) with the grace window for lost answers, revoke, delete,
 * the list (FIQL, pageSize capped at 32), update, and who may do what (containment, token sessions, other orgs).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startTessera, type TesseraHandle } from '../../helpers/tessera.js';
import { accessTokenFrom, bearer, createApiToken, exchange, http, oauthPath, signIn, type Reply } from '../../helpers/api.js';
import { reportUnavailable, selectedBackends } from '../../store/backends.js';
import { hashPassword } from '../../../src/auth/passwords.js';
import { findApiTokens } from '../../../src/cli/scan/find-tokens.js';

const JSON_37 = 'application/json;version=37.0';
const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';
const SOFTWARE_ID = '12345678-1234-1234-1234-1234567890ab';
const SA_URN = (id: string) => `urn:vcloud:serviceAccount:${id}`;

function envelope(res: Reply, status: number, minor: string) {
  assert.equal(res.status, status, res.text);
  const body = res.json();
  assert.equal(body.minorErrorCode, minor, res.text);
  assert.equal(body.stackTrace, null);
  assert.equal(typeof body.message, 'string');
}

for (const plan of selectedBackends()) {
  if (reportUnavailable(plan, 'service accounts')) continue;

  describe(`service accounts on ${plan.backend}`, () => {
    let t: TesseraHandle;
    let base: string;
    let alice: string; // Organization Administrator of acme
    let bob: string; // vApp Author of acme
    let admin: string; // System administrator
    let hank: string; // Organization Administrator of globex
    let acmeId: string;

    before(async () => {
      t = await startTessera({ backend: plan.backend, config: { signInRateLimit: 1000 } });
      base = t.baseUrl;
      [alice, bob, admin, hank] = await Promise.all([
        signIn(base, 'alice', 'acme', t.demoPassword),
        signIn(base, 'bob', 'acme', t.demoPassword),
        signIn(base, 'administrator', 'System', t.adminPassword),
        signIn(base, 'hank', 'globex', t.demoPassword),
      ]);
      acmeId = (await t.store.getOrgByName('acme'))!.id;
    });
    after(async () => {
      await t?.stop();
    });

    const register = (session: string, org: string, body: Record<string, unknown>) =>
      http(`${base}${oauthPath(org)}/register`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${session}`, 'Content-Type': 'application/json', Accept: 'application/json;version=' },
        body: JSON.stringify({ software_id: SOFTWARE_ID, software_version: '', client_uri: '', ...body }),
      });
    const getAccount = (session: string, id: string) =>
      http(`${base}/cloudapi/1.0.0/serviceAccounts/${SA_URN(id)}`, { headers: bearer(session, JSON_37) });
    const authorize = (session: string, org: string, clientId: string) =>
      http(`${base}${oauthPath(org)}/device_authorization`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${session}`, 'Content-Type': 'application/x-www-form-urlencoded', Accept: JSON_37 },
        body: new URLSearchParams({ client_id: clientId }),
      });
    const decide = (session: string, userCode: string, what: 'grant' | 'deny', tenantContext?: string) =>
      http(`${base}/cloudapi/1.0.0/deviceLookup/${what}`, {
        method: 'POST',
        headers: {
          ...bearer(session, JSON_37),
          'Content-Type': 'application/json',
          ...(tenantContext ? { 'X-VMWARE-VCLOUD-TENANT-CONTEXT': tenantContext } : {}),
        },
        body: JSON.stringify({ userCode }),
      });
    const poll = (org: string, clientId: string, deviceCode: string) =>
      http(`${base}${oauthPath(org)}/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body: new URLSearchParams({ grant_type: DEVICE_CODE, client_id: clientId, device_code: deviceCode }),
      });

    /** register -> authorize -> grant -> first token, as govcd's Test_ServiceAccount. */
    async function activeAccount(session: string, org: string, name: string, scope = 'urn:vcloud:role:vApp%20Author') {
      const reg = await register(session, org, { client_name: name, scope });
      assert.equal(reg.status, 200, reg.text);
      const clientId = reg.json().client_id as string;
      const auth = await authorize(session, org, clientId);
      assert.equal(auth.status, 200, auth.text);
      const granted = await decide(session, auth.json().user_code, 'grant');
      assert.equal(granted.status, 204, granted.text);
      const first = await poll(org, clientId, auth.json().device_code);
      assert.equal(first.status, 200, first.text);
      return { clientId, refreshToken: first.json().refresh_token as string, accessToken: first.json().access_token as string };
    }

    test('service accounts of one name registered together: one 200, the others 400 (until 2026-12-05 a 500 on PostgreSQL)', async () => {
      const answers = await Promise.all(
        Array.from({ length: 4 }, () => register(hank, 'globex', { client_name: 'sa-twin', scope: 'urn:vcloud:role:vApp%20Author' })),
      );
      assert.deepEqual(answers.map((a) => a.status).sort(), [200, 400, 400, 400], answers.map((a) => a.text).join('\n'));
      for (const refused of answers.filter((a) => a.status === 400))
        assert.match(refused.json().message, /A service account named "sa-twin" exists/);
    });

    test('a refresh racing the revoke: once the revoke has answered, nothing the refresh issued works (the forced interleaving: test/cluster/service-account-races.test.ts)', async () => {
      const reg = await register(hank, 'globex', { client_name: 'sa-race', scope: 'urn:vcloud:role:vApp%20Author' });
      assert.equal(reg.status, 200, reg.text);
      const clientId = reg.json().client_id as string;
      for (let round = 0; round < 12; round++) {
        const auth = await authorize(hank, 'globex', clientId);
        assert.equal(auth.status, 200, auth.text);
        assert.equal((await decide(hank, auth.json().user_code, 'grant')).status, 204);
        const first = await poll('globex', clientId, auth.json().device_code);
        assert.equal(first.status, 200, first.text);
        const [refreshed, revoked] = await Promise.all([
          exchange(base, 'globex', first.json().refresh_token as string),
          http(`${base}/cloudapi/1.0.0/serviceAccounts/${SA_URN(clientId)}/revoke`, { method: 'POST', headers: bearer(hank, JSON_37) }),
        ]);
        assert.equal(revoked.status, 204, revoked.text);
        assert.ok(refreshed.status === 200 || refreshed.status === 400, `${refreshed.status} ${refreshed.text}`);
        if (refreshed.status !== 200) continue;
        const session = refreshed.json().access_token as string;
        const current = await http(`${base}/cloudapi/1.0.0/sessions/current`, { headers: bearer(session, JSON_37) });
        assert.equal(current.status, 401, `round ${round}: the session from the refresh outlived the revoke`);
        assert.equal(
          (await exchange(base, 'globex', refreshed.json().refresh_token as string)).status,
          400,
          `round ${round}: its token too`,
        );
      }
      // Whatever the interleaving, the account is left revoked.
      assert.equal((await getAccount(hank, clientId)).json().status, 'CREATED');
    });

    test('the whole flow: CREATED -> REQUESTED -> GRANTED -> ACTIVE -> revoke -> CREATED -> delete', async () => {
      const reg = await register(alice, 'acme', { client_name: 'sa-flow', scope: 'urn:vcloud:role:vApp%20Author' });
      assert.equal(reg.status, 200, reg.text);
      const registration = reg.json();
      assert.match(registration.client_id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.equal(registration.software_id, SOFTWARE_ID);
      assert.deepEqual(registration.grant_types, [DEVICE_CODE, 'refresh_token']);
      const id = registration.client_id as string;

      let entity = (await getAccount(alice, id)).json();
      assert.equal(entity.id, SA_URN(id));
      assert.equal(entity.name, 'sa-flow');
      assert.equal(entity.softwareId, SOFTWARE_ID);
      assert.equal(entity.role.name, 'vApp Author');
      assert.match(entity.role.id, /^urn:vcloud:role:/);
      assert.deepEqual(entity.org, { name: 'acme', id: `urn:vcloud:org:${acmeId}` });
      assert.equal(entity.status, 'CREATED');

      const auth = await authorize(alice, 'acme', id);
      assert.equal(auth.status, 200, auth.text);
      const params = auth.json();
      assert.equal(typeof params.device_code, 'string');
      assert.match(params.user_code, /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
      assert.match(params.verification_uri, /^https?:\/\//);
      assert.equal(params.expires_in, 600);
      assert.equal(params.interval, 5);
      assert.equal((await getAccount(alice, id)).json().status, 'REQUESTED');

      // RFC 8628 §3.5 before the grant: pending, then slow_down when polling faster than `interval`.
      const pending = await poll('acme', id, params.device_code);
      envelope(pending, 400, 'authorization_pending');
      // RFC 6749 §5.2 / RFC 8628 §3.5's own field beside VCD's: golang.org/x/oauth2's device flow reads only it.
      assert.equal(pending.json().error, 'authorization_pending');
      const slowDown = await poll('acme', id, params.device_code);
      envelope(slowDown, 400, 'slow_down');
      assert.equal(slowDown.json().error, 'slow_down');
      // The interval is now 10 s. A poll a few hundred ms early (a client ticking at exactly `interval`) is on time;
      // until 2026-12-05 it was slow_down, and the interval grew for good.
      await t.store.db
        .updateTable('service_accounts')
        .set({ device_last_poll_at: Date.now() - 9_700 })
        .where('id', '=', id)
        .execute();
      envelope(await poll('acme', id, params.device_code), 400, 'authorization_pending');
      envelope(await poll('acme', id, params.device_code), 400, 'slow_down');
      envelope(await poll('acme', id, 'not-the-device-code'), 400, 'invalid_grant');
      // The client named by HTTP Basic only (RFC 6749 §2.3.1; openid-client with client_secret_basic): the same poll
      // (until 2026-12-06 "client_id is required"); named differently in the body and the header, refused.
      const basicPoll = (bodyClientId: string | null) =>
        http(`${base}${oauthPath('acme')}/token`, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/x-www-form-urlencoded',
            Accept: 'application/json',
            Authorization: `Basic ${Buffer.from(`${encodeURIComponent(id)}:`).toString('base64')}`,
          },
          body: new URLSearchParams({
            grant_type: DEVICE_CODE,
            device_code: params.device_code,
            ...(bodyClientId === null ? {} : { client_id: bodyClientId }),
          }),
        });
      const viaBasic = await basicPoll(null);
      assert.equal(viaBasic.status, 400, viaBasic.text);
      assert.match(viaBasic.json().error, /^(authorization_pending|slow_down)$/);
      const differing = await basicPoll(randomUUID());
      assert.equal(differing.status, 400);
      assert.equal(differing.json().error, 'invalid_request');
      assert.match(differing.json().error_description, /differ/);
      envelope(await poll('globex', id, params.device_code), 400, 'invalid_grant');

      assert.equal((await decide(alice, 'BCDF-GHJK', 'grant')).status, 400);
      const granted = await decide(alice, params.user_code.toLowerCase(), 'grant');
      assert.equal(granted.status, 204, granted.text);
      assert.equal((await getAccount(alice, id)).json().status, 'GRANTED');

      const first = await poll('acme', id, params.device_code);
      assert.equal(first.status, 200, first.text);
      assert.equal(first.headers.get('cache-control'), 'no-store');
      const tokens = first.json();
      assert.equal(tokens.token_type, 'Bearer');
      assert.ok(tokens.expires_in > 0);
      assert.ok(tokens.access_token.length > 32);
      assert.equal(typeof tokens.refresh_token, 'string');
      assert.equal((await getAccount(alice, id)).json().status, 'ACTIVE');
      // The device code is consumed: exactly one first token.
      envelope(await poll('acme', id, params.device_code), 400, 'invalid_grant');

      // The session acts as the account, with its role (vApp Author: orgs yes, service accounts no).
      const orgs = await http(`${base}/cloudapi/1.0.0/orgs`, { headers: bearer(tokens.access_token, JSON_37) });
      assert.equal(orgs.status, 200, orgs.text);
      const current = await http(`${base}/cloudapi/1.0.0/sessions/current`, { headers: bearer(tokens.access_token, JSON_37) });
      assert.equal(current.status, 200, current.text);
      assert.equal(current.json().user.name, 'sa-flow');
      const legacy = await http(`${base}/api/session`, { headers: bearer(tokens.access_token, 'application/*+xml;version=37.0') });
      assert.equal(legacy.status, 200, legacy.text);
      const sas = await http(`${base}/cloudapi/1.0.0/serviceAccounts`, { headers: bearer(tokens.access_token, JSON_37) });
      assert.equal(sas.status, 403, sas.text);
      // A token session cannot make credentials.
      assert.equal(
        (await register(tokens.access_token, 'acme', { client_name: 'nested', scope: 'urn:vcloud:role:vApp%20User' })).status,
        403,
      );

      // Authorizing an ACTIVE account again is refused: revoke first.
      envelope(await authorize(alice, 'acme', id), 400, 'invalid_request');

      const revoked = await http(`${base}/cloudapi/1.0.0/serviceAccounts/${SA_URN(id)}/revoke`, {
        method: 'POST',
        headers: { ...bearer(alice, JSON_37), 'Content-Type': 'application/json' },
      });
      assert.equal(revoked.status, 204, revoked.text);
      assert.equal((await getAccount(alice, id)).json().status, 'CREATED');
      envelope(await exchange(base, 'acme', tokens.refresh_token), 400, 'invalid_grant');
      // A second revoke has nothing to end: 204 again, and no second revocation in the audit trail.
      const revocations = async () =>
        (
          await t.store.db
            .selectFrom('audit_events')
            .select('id')
            .where('event_type', '=', 'serviceAccount.revoked')
            .where('token_id', '=', id)
            .execute()
        ).length;
      const before = await revocations();
      const twice = await http(`${base}/cloudapi/1.0.0/serviceAccounts/${SA_URN(id)}/revoke`, {
        method: 'POST',
        headers: bearer(alice, JSON_37),
      });
      assert.equal(twice.status, 204, twice.text);
      assert.equal(await revocations(), before);
      assert.equal((await http(`${base}/cloudapi/1.0.0/orgs`, { headers: bearer(tokens.access_token, JSON_37) })).status, 401);

      // Authorized again after a revoke: a new chain works.
      const again = await authorize(alice, 'acme', id);
      assert.equal((await decide(alice, again.json().user_code, 'grant')).status, 204);
      const second = await poll('acme', id, again.json().device_code);
      assert.equal(second.status, 200, second.text);
      assert.equal((await http(`${base}/cloudapi/1.0.0/orgs`, { headers: bearer(second.json().access_token, JSON_37) })).status, 200);

      const deleted = await http(`${base}/cloudapi/1.0.0/serviceAccounts/${SA_URN(id)}`, {
        method: 'DELETE',
        headers: bearer(alice, JSON_37),
      });
      assert.equal(deleted.status, 204, deleted.text);
      assert.equal((await getAccount(alice, id)).status, 403);
      assert.equal((await http(`${base}/cloudapi/1.0.0/orgs`, { headers: bearer(second.json().access_token, JSON_37) })).status, 401);
      envelope(await exchange(base, 'acme', second.json().refresh_token), 400, 'invalid_grant');
    });

    test('every refresh rotates; the spent token retried within the grace window gets the same successor', async () => {
      const { clientId, refreshToken: t1 } = await activeAccount(alice, 'acme', 'sa-rotate');
      const r1 = await exchange(base, 'acme', t1);
      assert.equal(r1.status, 200, r1.text);
      const t2 = r1.json().refresh_token as string;
      assert.equal(typeof t2, 'string');
      assert.notEqual(t2, t1);
      // A lost answer: the same spent token again, same client, within the window -> the same t2.
      const retry = await exchange(base, 'acme', t1);
      assert.equal(retry.status, 200, retry.text);
      assert.equal(retry.json().refresh_token, t2);
      // t2 works and rotates again.
      const r2 = await exchange(base, 'acme', t2);
      assert.equal(r2.status, 200, r2.text);
      const t3 = r2.json().refresh_token as string;
      assert.notEqual(t3, t2);
      // Last used is shown on the entity.
      const entity = (await getAccount(alice, clientId)).json();
      assert.equal(typeof entity.lastUsedTimeUtc, 'string');
      assert.equal(entity.status, 'ACTIVE');
      // `tessera scan` finds a service account's token in govcd's token file, as it finds user API tokens.
      const file = JSON.stringify({ refresh_token: t3, token_type: 'Service Account', updated_by: 'govcd', updated_on: 'now' });
      assert.equal(findApiTokens(file).length, 1);
      // User API tokens keep not rotating.
      const user = await createApiToken(base, alice, 'acme', `user-token-${randomUUID().slice(0, 8)}`);
      const plain = await exchange(base, 'acme', user.apiToken);
      assert.equal(plain.status, 200);
      assert.equal(plain.json().refresh_token, null);
    });

    test("a refresh may name the account's own scope (its role, by id or name) and nothing else; a foreign one spends nothing", async () => {
      const { refreshToken: t1 } = await activeAccount(alice, 'acme', 'sa-scope');
      const refresh = (token: string, scope: string) =>
        http(`${base}${oauthPath('acme')}/token`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token, scope }),
        });
      // Until 2026-12-05 these were answered 200: the token rotated, the scope silently ignored.
      for (const scope of ['urn:vcloud:role:Organization%20Administrator', 'bogus other', 'urn:vcloud:role:vApp%20Author read-only']) {
        const refused = await refresh(t1, scope);
        assert.equal(refused.status, 400, `${scope}: ${refused.text}`);
        assert.equal(refused.json().error, 'invalid_scope', scope);
        assert.match(refused.json().error_description, /scope is its role, urn:vcloud:role:/);
      }
      // Nothing was spent: the same token, with its own role named by name and then by id, still rotates.
      const byName = await refresh(t1, 'urn:vcloud:role:vApp%20Author');
      assert.equal(byName.status, 200, byName.text);
      const roleId = (await t.store.getRoleByName((await t.store.getOrgByName('acme'))!.id, 'vApp Author'))!.id;
      const byId = await refresh(byName.json().refresh_token, `urn:vcloud:role:${roleId}`);
      assert.equal(byId.status, 200, byId.text);
      // An invalid token is still invalid_grant first, whatever the scope (no oracle).
      const unknown = await refresh(t1.slice(0, -4) + 'AAAA', 'bogus');
      assert.equal(unknown.json().minorErrorCode, 'invalid_grant');
    });

    test('reuse: a spent token whose successor was used ends the chain and every session, and is audited', async () => {
      const { clientId, refreshToken: t1, accessToken: firstSession } = await activeAccount(alice, 'acme', 'sa-reuse');
      const t2 = (await exchange(base, 'acme', t1)).json().refresh_token as string;
      const r2 = await exchange(base, 'acme', t2);
      const t3 = r2.json().refresh_token as string;
      const session = r2.json().access_token as string;
      assert.equal((await http(`${base}/cloudapi/1.0.0/orgs`, { headers: bearer(session, JSON_37) })).status, 200);
      // t1 again: its successor t2 was already used, so this is a copy, not a lost answer.
      envelope(await exchange(base, 'acme', t1), 400, 'invalid_grant');
      envelope(await exchange(base, 'acme', t3), 400, 'invalid_grant');
      assert.equal((await http(`${base}/cloudapi/1.0.0/orgs`, { headers: bearer(session, JSON_37) })).status, 401);
      assert.equal((await http(`${base}/cloudapi/1.0.0/orgs`, { headers: bearer(firstSession, JSON_37) })).status, 401);
      assert.equal((await getAccount(alice, clientId)).json().status, 'CREATED');
      const events = await t.store.db
        .selectFrom('audit_events')
        .select(['event_type', 'outcome'])
        .where('token_id', '=', clientId)
        .where('event_type', '=', 'serviceAccount.tokenReuse')
        .execute();
      assert.equal(events.length, 1);
      assert.equal(events[0]!.outcome, 'failure');
    });

    test('a spent token presented for revocation ends the live chain, audited as reuse', async () => {
      const { clientId, refreshToken: t1 } = await activeAccount(hank, 'globex', 'sa-revoke-spent');
      const r1 = await exchange(base, 'globex', t1);
      const t2 = r1.json().refresh_token as string;
      const session = r1.json().access_token as string;
      const revoke = await http(`${base}/oauth/tenant/globex/revoke`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: t1 }),
      });
      assert.equal(revoke.status, 200, revoke.text);
      envelope(await exchange(base, 'globex', t2), 400, 'invalid_grant');
      assert.equal((await http(`${base}/cloudapi/1.0.0/orgs`, { headers: bearer(session, JSON_37) })).status, 401);
      const events = await t.store.db
        .selectFrom('audit_events')
        .select(['event_type', 'outcome', 'details'])
        .where('token_id', '=', clientId)
        .where('event_type', 'in', ['serviceAccount.tokenReuse', 'serviceAccount.revoked'])
        .execute();
      // Until 2026-12-05 a plain serviceAccount.revoked: nothing told the administrator an old token was out there.
      assert.deepEqual(
        events.map((e) => [e.event_type, e.outcome]),
        [['serviceAccount.tokenReuse', 'failure']],
      );
      assert.match(JSON.parse(events[0]!.details).via, /revocation endpoint/);
    });

    test("the org's lifetime policy bounds a service account's authorization; rotation never extends it", async () => {
      const globex = (await t.store.getOrgByName('globex'))!;
      await t.store.updateOrg(globex.id, { max_token_lifetime_days: 1 });
      try {
        const before = Date.now();
        const { clientId, refreshToken: t1 } = await activeAccount(hank, 'globex', 'sa-lifetime');
        const entity = (await getAccount(hank, clientId)).json();
        const ends = Date.parse(entity.expirationTimeUtc);
        assert.ok(ends >= before + 86_400_000 && ends <= Date.now() + 86_400_000, entity.expirationTimeUtc);
        // Rotation hands the same end on; introspection tells it.
        const r1 = await exchange(base, 'globex', t1);
        assert.equal(r1.status, 200, r1.text);
        const t2 = r1.json().refresh_token as string;
        assert.equal((await getAccount(hank, clientId)).json().expirationTimeUtc, entity.expirationTimeUtc);
        const introspected = await http(`${base}${oauthPath('globex')}/introspect`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${hank}`, 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ token: t2 }),
        });
        assert.equal(introspected.json().exp, Math.floor(ends / 1000));
        // Close to the end, a new session ends with the authorization, not after it.
        await t.store.db
          .updateTable('service_accounts')
          .set({ authorized_until: Date.now() + 30_000 })
          .where('id', '=', clientId)
          .execute();
        const r2 = await exchange(base, 'globex', t2);
        assert.equal(r2.status, 200, r2.text);
        assert.ok(r2.json().expires_in <= 30, `expires_in ${r2.json().expires_in}`);
        const session = r2.json().access_token as string;
        // Past the end: refused, the chain and its sessions end, the account is CREATED again, audited once.
        await t.store.db
          .updateTable('service_accounts')
          .set({ authorized_until: Date.now() - 1 })
          .where('id', '=', clientId)
          .execute();
        envelope(await exchange(base, 'globex', r2.json().refresh_token as string), 400, 'invalid_grant');
        assert.equal((await http(`${base}/cloudapi/1.0.0/orgs`, { headers: bearer(session, JSON_37) })).status, 401);
        const after = (await getAccount(hank, clientId)).json();
        assert.equal(after.status, 'CREATED');
        assert.equal(after.expirationTimeUtc, null);
        const events = await t.store.db
          .selectFrom('audit_events')
          .select('outcome')
          .where('token_id', '=', clientId)
          .where('event_type', '=', 'serviceAccount.expired')
          .execute();
        assert.deepEqual(events, [{ outcome: 'failure' }]);
        // An administrator can authorize it again.
        assert.equal((await authorize(hank, 'globex', clientId)).status, 200);
      } finally {
        await t.store.updateOrg(globex.id, { max_token_lifetime_days: null });
      }
    });

    test('a retry seen by a node that did not issue the successor is refused with a hint, not treated as theft', async () => {
      const { clientId, refreshToken: t1 } = await activeAccount(alice, 'acme', 'sa-other-node');
      const t2 = (await exchange(base, 'acme', t1)).json().refresh_token as string;
      // This node forgets the plaintext, as another node never had it.
      (t.server.services.serviceAccounts.grace as unknown as { forgetAccount(id: string): void }).forgetAccount(clientId);
      const retry = await exchange(base, 'acme', t1);
      envelope(retry, 400, 'invalid_grant');
      assert.match(retry.json().message, /used moments ago/);
      // Nothing was revoked: t2 still works.
      const r2 = await exchange(base, 'acme', t2);
      assert.equal(r2.status, 200, r2.text);
      assert.equal((await getAccount(alice, clientId)).json().status, 'ACTIVE');
    });

    test('deny answers access_denied; an expired device code answers expired_token', async () => {
      const reg = await register(alice, 'acme', { client_name: 'sa-deny', scope: 'urn:vcloud:role:vApp%20User' });
      const id = reg.json().client_id as string;
      const auth = (await authorize(alice, 'acme', id)).json();
      assert.equal((await decide(alice, auth.user_code, 'deny')).status, 204);
      envelope(await poll('acme', id, auth.device_code), 400, 'access_denied');
      assert.equal((await getAccount(alice, id)).json().status, 'CREATED');
      // A denied code cannot be granted afterwards.
      assert.equal((await decide(alice, auth.user_code, 'grant')).status, 400);

      const again = (await authorize(alice, 'acme', id)).json();
      await t.store.db
        .updateTable('service_accounts')
        .set({ device_expires_at: Date.now() - 1 })
        .where('id', '=', id)
        .execute();
      envelope(await poll('acme', id, again.device_code), 400, 'expired_token');
      assert.equal((await decide(alice, again.user_code, 'grant')).status, 400);
    });

    test('who may: the Manage right, containment of the role, token sessions, other orgs, the provider', async () => {
      // bob (vApp Author) lacks "Service Accounts: Manage".
      assert.equal((await register(bob, 'acme', { client_name: 'sa-bob', scope: 'urn:vcloud:role:vApp%20User' })).status, 403);
      // A token session of alice cannot either.
      const aliceToken = await createApiToken(base, alice, 'acme', 'alice-script');
      const aliceTokenSession = await accessTokenFrom(base, 'acme', aliceToken.apiToken);
      assert.equal(
        (await register(aliceTokenSession, 'acme', { client_name: 'sa-token', scope: 'urn:vcloud:role:vApp%20User' })).status,
        403,
      );
      // Containment: a user with Manage but few rights cannot create an account with a bigger role.
      const narrowRole = randomUUID();
      await t.store.createRole(
        { id: narrowRole, org_id: acmeId, name: 'SA Manager', description: '', read_only: 0, created_at: Date.now() },
        ['Service Accounts: Manage', 'Service Accounts: View', 'Organization: View'],
      );
      await t.store.createUser({
        id: randomUUID(),
        org_id: acmeId,
        name: 'sam',
        password_hash: await hashPassword('sam-Password-1'),
        role_id: narrowRole,
      });
      const sam = await signIn(base, 'sam', 'acme', 'sam-Password-1');
      const tooBig = await register(sam, 'acme', { client_name: 'sa-sam', scope: 'urn:vcloud:role:vApp%20Author' });
      envelope(tooBig, 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
      const fits = await register(sam, 'acme', { client_name: 'sa-sam', scope: `urn:vcloud:role:${narrowRole}` });
      assert.equal(fits.status, 200, fits.text);
      // ... nor grant a request for an account whose role it lacks.
      const big = await register(alice, 'acme', { client_name: 'sa-big', scope: 'urn:vcloud:role:Organization%20Administrator' });
      const bigAuth = (await authorize(alice, 'acme', big.json().client_id)).json();
      assert.equal((await decide(sam, bigAuth.user_code, 'grant')).status, 403);
      // ... nor start its flow (whoever starts it receives the credential; until 2026-12-05 sam could, and had an
      // administrator grant the code sam showed), which would also have replaced alice's pending request.
      envelope(await authorize(sam, 'acme', big.json().client_id), 403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN');
      assert.equal((await decide(alice, bigAuth.user_code, 'grant')).status, 204, 'alice\u2019s request still stands');

      // Bad scope, bad software_id, a duplicate name, another org's path.
      envelope(await register(alice, 'acme', { client_name: 'x1', scope: 'urn:vcloud:role:No%20Such%20Role' }), 400, 'invalid_request');
      envelope(await register(alice, 'acme', { client_name: 'x2', scope: 'vApp Author' }), 400, 'invalid_request');
      envelope(
        await register(alice, 'acme', { client_name: 'x3', scope: 'urn:vcloud:role:vApp%20User', software_id: 'nope' }),
        400,
        'invalid_request',
      );
      envelope(await register(alice, 'acme', { client_name: 'sa-sam', scope: 'urn:vcloud:role:vApp%20User' }), 400, 'invalid_request');
      assert.equal((await register(alice, 'globex', { client_name: 'x4', scope: 'urn:vcloud:role:vApp%20User' })).status, 403);

      // Another org's administrator sees nothing of acme's accounts.
      assert.equal((await getAccount(hank, fits.json().client_id)).status, 403);
      const hankList = await http(`${base}/cloudapi/1.0.0/serviceAccounts`, { headers: bearer(hank, JSON_37) });
      assert.equal(
        hankList.json().values.some((v: { org: { name: string } }) => v.org.name === 'acme'),
        false,
      );
      envelope(await authorize(hank, 'acme', fits.json().client_id), 400, 'invalid_client');

      // The provider creates one in acme and grants it with the tenant context, as govcd does.
      const reg = await register(admin, 'acme', { client_name: 'sa-provider', scope: 'urn:vcloud:role:vApp%20User' });
      assert.equal(reg.status, 200, reg.text);
      const id = reg.json().client_id as string;
      const auth = (await authorize(admin, 'acme', id)).json();
      assert.equal((await decide(admin, auth.user_code, 'grant', acmeId)).status, 204);
      assert.equal((await poll('acme', id, auth.device_code)).status, 200);
      assert.equal((await getAccount(admin, id)).json().status, 'ACTIVE');
    });

    test('an org that does not exist is answered as one the caller may not use: no org-name oracle', async () => {
      const clientId = randomUUID();
      // device_authorization: until 2026-12-05 a missing org was a 403 and globex an invalid_client, to anyone signed in.
      for (const org of ['globex', 'no-such-org', 'System']) {
        envelope(await authorize(alice, org, clientId), 400, 'invalid_client');
      }
      const aliceToken = await createApiToken(base, alice, 'acme', 'alice-org-oracle');
      const tokenSession = await accessTokenFrom(base, 'acme', aliceToken.apiToken);
      const refusals = new Set<string>();
      for (const org of ['globex', 'no-such-org']) {
        for (const session of [alice, tokenSession]) {
          const res = await register(session, org, { client_name: 'sa-oracle', scope: 'urn:vcloud:role:vApp%20User' });
          assert.equal(res.status, 403, `${org}: ${res.text}`);
          refusals.add(`${session === alice ? 'password' : 'token'} ${res.text}`);
        }
      }
      assert.equal(refusals.size, 2, `one answer per kind of session, whatever the org: ${[...refusals].join(' | ')}`);
    });

    test('names shown in lists refuse controls, bidi controls and invisible characters', async () => {
      for (const name of ['evil\u202egnp.exe', 'zero\u200bwidth', 'next\u0085line', 'tab\there']) {
        // The System administrator registers here: registrations are limited per user, and alice makes many in this file.
        const res = await register(admin, 'acme', { client_name: name, scope: 'urn:vcloud:role:vApp%20User' });
        envelope(res, 400, 'invalid_request');
        assert.match(res.json().message, /client_name/);
      }
      const ok = await register(admin, 'acme', { client_name: 'Über-Konto 東京', scope: 'urn:vcloud:role:vApp%20User' });
      assert.equal(ok.status, 200, ok.text);
    });

    test('client_uri is a web address: no scheme, http or https; javascript: and data: are refused', async () => {
      for (const uri of ['javascript:alert(1)', 'JavaScript:alert(1)', 'data:text/html,<b>x</b>']) {
        const res = await register(admin, 'acme', { client_name: 'sa-uri-bad', scope: 'urn:vcloud:role:vApp%20User', client_uri: uri });
        envelope(res, 400, 'invalid_request');
        assert.match(res.json().message, /client_uri must be a web address/);
      }
      // Terraform's examples write `uri = "example.com"`; a port is not a scheme.
      const reg = await register(admin, 'acme', {
        client_name: 'sa-uri-ok',
        scope: 'urn:vcloud:role:vApp%20User',
        client_uri: 'example.com',
      });
      assert.equal(reg.status, 200, reg.text);
      const id = reg.json().client_id as string;
      const put = (uri: string) =>
        http(`${base}/cloudapi/1.0.0/serviceAccounts/${SA_URN(id)}`, {
          method: 'PUT',
          headers: { ...bearer(admin, JSON_37), 'Content-Type': 'application/json' },
          body: JSON.stringify({ uri }),
        });
      envelope(await put('javascript:alert(1)'), 400, 'BAD_REQUEST');
      for (const uri of ['https://example.com/app', 'example.com:8443/app']) {
        const res = await put(uri);
        assert.equal(res.status, 200, res.text);
        assert.equal(res.json().uri, uri);
      }
    });

    test('introspection: a disabled org\u2019s service-account token is inactive, as the token endpoint refuses it', async () => {
      const { refreshToken } = await activeAccount(hank, 'globex', 'sa-org-disabled');
      const globexId = (await t.store.getOrgByName('globex'))!.id;
      const introspect = () =>
        http(`${base}/oauth/provider/introspect`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ token: refreshToken }),
        });
      assert.equal((await introspect()).json().active, true);
      const action = (what: string) =>
        http(`${base}/api/admin/org/${globexId}/action/${what}`, {
          method: 'POST',
          headers: bearer(admin, 'application/*+xml;version=37.0'),
        });
      assert.equal((await action('disable')).status, 204);
      try {
        // Until 2026-12-05: active.
        assert.deepEqual((await introspect()).json(), { active: false });
      } finally {
        assert.equal((await action('enable')).status, 204);
        // The disable ended every globex session: the tests after this one need hank signed in again.
        hank = await signIn(base, 'hank', 'globex', t.demoPassword);
      }
    });

    test('list: FIQL filter, pageSize capped at 32; update: role, uri and version, name and status read-only', async () => {
      const reg = await register(alice, 'acme', { client_name: 'sa-list', scope: 'urn:vcloud:role:vApp%20User', software_version: '1.0' });
      const id = reg.json().client_id as string;
      const list = await http(`${base}/cloudapi/1.0.0/serviceAccounts?filter=${encodeURIComponent('name==sa-list')}&pageSize=100`, {
        headers: bearer(alice, JSON_37),
      });
      assert.equal(list.status, 200, list.text);
      const page = list.json();
      assert.equal(page.pageSize, 32);
      assert.equal(page.resultTotal, 1);
      assert.equal(page.values[0].id, SA_URN(id));
      assert.equal(page.values[0].softwareVersion, '1.0');
      assert.equal((await http(`${base}/cloudapi/1.0.0/serviceAccounts?filter=nope==1`, { headers: bearer(alice, JSON_37) })).status, 400);

      const author = await t.store.getRoleByName(acmeId, 'vApp Author');
      const put = await http(`${base}/cloudapi/1.0.0/serviceAccounts/${SA_URN(id)}`, {
        method: 'PUT',
        headers: { ...bearer(alice, JSON_37), 'Content-Type': 'application/json' },
        body: JSON.stringify({
          id: SA_URN(id),
          name: 'renamed',
          status: 'ACTIVE',
          role: { id: `urn:vcloud:role:${author!.id}` },
          uri: 'https://example.com/app',
          softwareId: '87654321-4321-4321-4321-CBA987654321',
          softwareVersion: '2.0',
        }),
      });
      assert.equal(put.status, 200, put.text);
      const updated = put.json();
      // The software id changes in place (Terraform's vcd_service_account); until 2026-12-06 it was kept with a 200.
      assert.equal(updated.softwareId, '87654321-4321-4321-4321-cba987654321');
      const notUuid = await http(`${base}/cloudapi/1.0.0/serviceAccounts/${SA_URN(id)}`, {
        method: 'PUT',
        headers: { ...bearer(alice, JSON_37), 'Content-Type': 'application/json' },
        body: JSON.stringify({ softwareId: 'not-a-uuid' }),
      });
      assert.equal(notUuid.status, 400, notUuid.text);
      assert.match(notUuid.json().message, /softwareId must be a UUID/);
      // A role held by a service account cannot be deleted from under it.
      const custom = await http(`${base}/cloudapi/1.0.0/roles`, {
        method: 'POST',
        headers: { ...bearer(alice, JSON_37), 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: 'sa-custom-role', description: '' }),
      });
      assert.equal(custom.status, 201, custom.text);
      const customId = custom.json().id as string;
      const moved = await http(`${base}/cloudapi/1.0.0/serviceAccounts/${SA_URN(id)}`, {
        method: 'PUT',
        headers: { ...bearer(alice, JSON_37), 'Content-Type': 'application/json' },
        body: JSON.stringify({ role: { id: customId } }),
      });
      assert.equal(moved.status, 200, moved.text);
      const del = await http(`${base}/cloudapi/1.0.0/roles/${customId}`, { method: 'DELETE', headers: bearer(alice, JSON_37) });
      assert.equal(del.status, 400, del.text);
      assert.match(del.json().message, /service accounts/);
      assert.equal(updated.name, 'sa-list');
      assert.equal(updated.status, 'CREATED');
      assert.equal(updated.role.name, 'vApp Author');
      assert.equal(updated.uri, 'https://example.com/app');
      assert.equal(updated.softwareVersion, '2.0');
    });

    test("least privilege for user tokens: read-only, or a role within the owner's rights, intersected at every request", async () => {
      const tokensList = (session: string) => http(`${base}/cloudapi/1.0.0/tokens`, { headers: bearer(session, JSON_37) });
      const full = await createApiToken(base, alice, 'acme', 'alice-full');
      const readOnly = await createApiToken(base, alice, 'acme', 'alice-read-only', { scope: 'read-only' });
      const fullSession = await accessTokenFrom(base, 'acme', full.apiToken);
      const readSession = await accessTokenFrom(base, 'acme', readOnly.apiToken);
      assert.equal((await tokensList(fullSession)).status, 200);
      // Listing tokens takes "API Tokens: Manage", which is no read-only right; but a token session sees the token it
      // came from whatever its scope (domain/policy.ts canTouchApiToken), and only that one.
      const readOwn = await tokensList(readSession);
      assert.equal(readOwn.status, 200, readOwn.text);
      assert.deepEqual(
        (readOwn.json().values as Array<{ id: string }>).map((v) => v.id),
        [readOnly.tokenId],
      );
      assert.equal((await http(`${base}/cloudapi/1.0.0/orgs`, { headers: bearer(readSession, JSON_37) })).status, 200);
      const entity = (await http(`${base}/cloudapi/1.0.0/tokens/${readOnly.tokenId}`, { headers: bearer(alice, JSON_37) })).json();
      assert.equal(entity.scope, 'read-only');
      const listed = (await tokensList(alice)).json().values as Array<{ id: string; scope: string | null }>;
      assert.equal(listed.find((v) => v.id === full.tokenId)?.scope, null);
      assert.equal(listed.find((v) => v.id === readOnly.tokenId)?.scope, 'read-only');

      // bob (vApp Author) narrows to vApp User (a subset of his rights); Organization Administrator is refused.
      const registerAs = (session: string, body: Record<string, unknown>) =>
        http(`${base}/oauth/tenant/acme/register`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${session}`, 'Content-Type': 'application/json' },
          body: JSON.stringify(body),
        });
      envelope(
        await registerAs(bob, { client_name: 'bob-admin', scope: 'urn:vcloud:role:Organization%20Administrator' }),
        403,
        'ACCESS_TO_RESOURCE_IS_FORBIDDEN',
      );
      envelope(await registerAs(bob, { client_name: 'bob-bad', scope: 'everything' }), 400, 'invalid_request');
      const narrowed = await createApiToken(base, bob, 'acme', 'bob-user', { scope: 'urn:vcloud:role:vApp%20User' });
      const userRole = await t.store.getRoleByName(acmeId, 'vApp User');
      const bobEntity = (await http(`${base}/cloudapi/1.0.0/tokens/${narrowed.tokenId}`, { headers: bearer(bob, JSON_37) })).json();
      assert.equal(bobEntity.scope, `urn:vcloud:role:${userRole!.id}`);

      // The owner gains rights: the token's sessions do not.
      const bobRow = (await t.store.getUserByName(acmeId, 'bob'))!;
      const roleNamed = async (name: string) => (await t.store.getRoleByName(acmeId, name))!.id;
      const setBobRole = async (name: string) => {
        await t.store.updateUser(bobRow.id, { role_id: await roleNamed(name) });
        t.server.services.identities.invalidate(bobRow.id);
      };
      await setBobRole('Organization Administrator');
      const bobPassword = await signIn(base, 'bob', 'acme', t.demoPassword);
      const bobSession = await accessTokenFrom(base, 'acme', narrowed.apiToken);
      assert.equal((await http(`${base}/cloudapi/1.0.0/users`, { headers: bearer(bobPassword, JSON_37) })).status, 200);
      assert.equal((await http(`${base}/cloudapi/1.0.0/users`, { headers: bearer(bobSession, JSON_37) })).status, 403);
      assert.equal((await http(`${base}/cloudapi/1.0.0/orgs`, { headers: bearer(bobSession, JSON_37) })).status, 200);
      // The owner loses rights: so does the session already issued (intersection at authentication time).
      assert.equal((await http(`${base}/cloudapi/1.0.0/vdcs`, { headers: bearer(bobSession, JSON_37) })).status, 200);
      await setBobRole('Console Access Only');
      assert.equal((await http(`${base}/cloudapi/1.0.0/vdcs`, { headers: bearer(bobSession, JSON_37) })).status, 403);
      await setBobRole('vApp Author');
    });

    test("introspection (RFC 7662) answers for a service account's live token and session, to who may see it", async () => {
      const { clientId, refreshToken, accessToken } = await activeAccount(alice, 'acme', 'sa-introspect');
      const introspect = (session: string, org: string, token: string) =>
        http(`${base}${oauthPath(org)}/introspect`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${session}`, 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ token }),
        });
      const refresh = (await introspect(alice, 'acme', refreshToken)).json();
      assert.equal(refresh.active, true);
      assert.equal(refresh.client_id, clientId);
      assert.equal(refresh.sub, SA_URN(clientId));
      const session = (await introspect(alice, 'acme', accessToken)).json();
      assert.equal(session.active, true);
      assert.equal(session.session_kind, 'service_account');
      assert.equal(session.sub, SA_URN(clientId));
      // The session's client is the account, as its refresh token says (until 2026-12-05 it was null).
      assert.equal(session.client_id, clientId);
      assert.deepEqual((await introspect(hank, 'globex', refreshToken)).json(), { active: false });
      assert.deepEqual((await introspect(bob, 'acme', refreshToken)).json(), { active: false });
      // The account's own session learns about itself; another account's session and a session made from alice's
      // API token (which keeps her "Service Accounts: View") learn nothing: a token session sees the credential it
      // came from and no other.
      assert.equal((await introspect(accessToken, 'acme', refreshToken)).json().active, true);
      assert.equal((await introspect(accessToken, 'acme', accessToken)).json().active, true);
      const other = await activeAccount(alice, 'acme', 'sa-introspect-other');
      assert.deepEqual((await introspect(other.accessToken, 'acme', refreshToken)).json(), { active: false });
      assert.deepEqual((await introspect(other.accessToken, 'acme', accessToken)).json(), { active: false });
      const aliceToken = await createApiToken(base, alice, 'acme', 'introspects-accounts');
      const aliceTokenSession = await accessTokenFrom(base, 'acme', aliceToken.apiToken);
      assert.equal((await http(`${base}/cloudapi/1.0.0/serviceAccounts`, { headers: bearer(aliceTokenSession, JSON_37) })).status, 200);
      assert.deepEqual((await introspect(aliceTokenSession, 'acme', refreshToken)).json(), { active: false });
      assert.deepEqual((await introspect(aliceTokenSession, 'acme', accessToken)).json(), { active: false });
      // Spent on use: the rotated-away token is no longer active.
      const next = (await exchange(base, 'acme', refreshToken)).json().refresh_token as string;
      assert.deepEqual((await introspect(alice, 'acme', refreshToken)).json(), { active: false });
      assert.equal((await introspect(alice, 'acme', next)).json().active, true);
    });

    test("a task a service account starts names the account as its User, by a reference that resolves (until 2026-12-07 /api/admin/user/{the account's id}, a 404)", async () => {
      const role = await http(`${base}/cloudapi/1.0.0/roles`, {
        method: 'POST',
        headers: { ...bearer(admin), 'Content-Type': 'application/json' },
        body: JSON.stringify({
          name: 'org-makers',
          description: 'makes orgs',
          rights: ['Organization: View', 'General: Administrator Control'].map((name) => ({ name })),
        }),
      });
      assert.equal(role.status, 201, role.text);
      const agent = await activeAccount(admin, 'System', 'org-maker', 'urn:vcloud:role:org-makers');
      const made = await http(`${base}/api/admin/orgs`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${agent.accessToken}`,
          'Content-Type': 'application/vnd.vmware.admin.organization+xml',
          Accept: 'application/*+xml;version=37.0',
        },
        body: '<AdminOrg xmlns="http://www.vmware.com/vcloud/v1.5" name="made-by-agent"><FullName>Made</FullName><IsEnabled>true</IsEnabled></AdminOrg>',
      });
      assert.equal(made.status, 201, made.text);
      const taskHref = /<Task\b[^>]*\bhref="([^"]+\/api\/task\/[^"]+)"/.exec(made.text)?.[1];
      assert.ok(taskHref, made.text);
      const expected = `${base}/cloudapi/1.0.0/serviceAccounts/${SA_URN(agent.clientId)}`;
      for (const reader of [agent.accessToken, admin]) {
        const task = await http(taskHref, { headers: { Authorization: `Bearer ${reader}`, Accept: 'application/*+xml;version=37.0' } });
        assert.equal(task.status, 200, task.text);
        const user = /<User\b[^>]*\/>/.exec(task.text)?.[0] ?? '';
        assert.match(user, new RegExp(`href="${expected}"`), task.text);
        assert.match(user, /name="org-maker"/);
        assert.match(user, new RegExp(`id="${SA_URN(agent.clientId)}"`));
        assert.match(user, /type="application\/json"/);
      }
      // The provider follows it and finds the account.
      const followed = await http(expected, { headers: bearer(admin, JSON_37) });
      assert.equal(followed.status, 200, followed.text);
      assert.equal(followed.json().name, 'org-maker');
      // A user's task keeps naming the user at /api/admin/user/{id}.
      const byUser = await http(`${base}/api/admin/orgs`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${admin}`,
          'Content-Type': 'application/vnd.vmware.admin.organization+xml',
          Accept: 'application/*+xml;version=37.0',
        },
        body: '<AdminOrg xmlns="http://www.vmware.com/vcloud/v1.5" name="made-by-admin"><FullName>Made</FullName><IsEnabled>true</IsEnabled></AdminOrg>',
      });
      assert.equal(byUser.status, 201, byUser.text);
      const userHref = /<User\b[^>]*\bhref="([^"]+)"/.exec(byUser.text)?.[1] ?? '';
      assert.match(userHref, /\/api\/admin\/user\/[0-9a-f-]{36}$/, byUser.text);
      assert.equal(
        (await http(userHref, { headers: { Authorization: `Bearer ${admin}`, Accept: 'application/*+xml;version=37.0' } })).status,
        200,
      );
    });

    test("RFC 7009 revocation by possession ends a service account's chain", async () => {
      const { clientId, refreshToken } = await activeAccount(alice, 'acme', 'sa-7009');
      const res = await http(`${base}/oauth/tenant/acme/revoke`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: refreshToken }),
      });
      assert.equal(res.status, 200);
      envelope(await exchange(base, 'acme', refreshToken), 400, 'invalid_grant');
      assert.equal((await getAccount(alice, clientId)).json().status, 'CREATED');
    });

    test('user codes are rate limited per user (RFC 8628 §5.1): guessing among them is refused', async () => {
      // A user of its own: the limit counts per user, and the other tests' administrators look codes up too.
      const globex = (await t.store.getOrgByName('globex'))!;
      await t.store.createUser({
        id: randomUUID(),
        org_id: globex.id,
        name: 'guesser',
        password_hash: await hashPassword('guesser-Password-1'),
        role_id: (await t.store.getRoleByName(globex.id, 'Organization Administrator'))!.id,
      });
      const guesser = await signIn(base, 'guesser', 'globex', 'guesser-Password-1');
      const lookup = () =>
        http(`${base}/cloudapi/1.0.0/deviceLookup`, {
          method: 'POST',
          headers: { ...bearer(guesser, JSON_37), 'Content-Type': 'application/json' },
          body: JSON.stringify({ userCode: 'BCDF-GHJK' }),
        });
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) statuses.push((await lookup()).status);
      // Until 2026-12-05 400 guesses took 0.7 s, all answered.
      assert.deepEqual(new Set(statuses), new Set([404]));
      const refused = await lookup();
      assert.equal(refused.status, 429, refused.text);
      assert.ok(Number(refused.headers.get('retry-after')) >= 1);
      envelope(await decide(guesser, 'BCDF-GHJK', 'grant'), 429, 'TOO_MANY_REQUESTS');
    });

    test('an authorization that ended takes its chain along when the account is authorized again', async () => {
      const { clientId, refreshToken } = await activeAccount(alice, 'acme', 'sa-reauthorized');
      // Its lifetime passes (the org's policy) before anyone refreshes.
      await t.store.db
        .updateTable('service_accounts')
        .set({ authorized_until: Date.now() - 1 })
        .where('id', '=', clientId)
        .execute();
      const auth = (await authorize(alice, 'acme', clientId)).json();
      envelope(await exchange(base, 'acme', refreshToken), 400, 'invalid_grant');
      assert.equal((await decide(alice, auth.user_code, 'grant')).status, 204);
      const fresh = await poll('acme', clientId, auth.device_code);
      assert.equal(fresh.status, 200, fresh.text);
      // Until 2026-12-05 the old chain worked again here, beside the new one.
      envelope(await exchange(base, 'acme', refreshToken), 400, 'invalid_grant');
      assert.equal((await exchange(base, 'acme', fresh.json().refresh_token as string)).status, 200);
    });

    test("disabling the org ends a service account's sessions for good; enabling it revives none (its token stays)", async () => {
      const { refreshToken, accessToken } = await activeAccount(hank, 'globex', 'sa-org-disable');
      const reads = (session: string) => http(`${base}/cloudapi/1.0.0/orgs`, { headers: bearer(session, JSON_37) });
      assert.equal((await reads(accessToken)).status, 200);
      const globexId = (await t.store.getOrgByName('globex'))!.id;
      const action = (what: 'disable' | 'enable') =>
        http(`${base}/api/admin/org/${globexId}/action/${what}`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${admin}`, Accept: 'application/*+xml;version=37.0' },
        });
      assert.equal((await action('disable')).status, 204);
      assert.equal((await reads(accessToken)).status, 401, 'refused while disabled');
      assert.equal((await action('enable')).status, 204);
      // Until 2026-12-05 only users got a revocation: the account's session worked again here.
      assert.equal((await reads(accessToken)).status, 401, 'still refused once enabled');
      // The account's refresh token is a credential, not a session: it makes a new session, as users' API tokens do.
      const renewed = await exchange(base, 'globex', refreshToken);
      assert.equal(renewed.status, 200, renewed.text);
      assert.equal((await reads(renewed.json().access_token as string)).status, 200);
      hank = await signIn(base, 'hank', 'globex', t.demoPassword);
    });
  });

  describe(`service accounts without a grace window on ${plan.backend}`, () => {
    let t: TesseraHandle;
    before(async () => {
      t = await startTessera({ backend: plan.backend, config: { serviceAccountRefreshGraceSeconds: 0 } });
    });
    after(async () => {
      await t?.stop();
    });

    test('a spent token presented again is reuse at once', async () => {
      const base = t.baseUrl;
      const alice = await signIn(base, 'alice', 'acme', t.demoPassword);
      const reg = await http(`${base}/oauth/tenant/acme/register`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${alice}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ client_name: 'sa-nograce', scope: 'urn:vcloud:role:vApp%20User', software_id: SOFTWARE_ID }),
      });
      const id = reg.json().client_id as string;
      const auth = await http(`${base}/oauth/tenant/acme/device_authorization`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${alice}`, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: id }),
      });
      await http(`${base}/cloudapi/1.0.0/deviceLookup/grant`, {
        method: 'POST',
        headers: { ...bearer(alice, JSON_37), 'Content-Type': 'application/json' },
        body: JSON.stringify({ userCode: auth.json().user_code }),
      });
      const first = await http(`${base}/oauth/tenant/acme/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: DEVICE_CODE, client_id: id, device_code: auth.json().device_code }),
      });
      const t1 = first.json().refresh_token as string;
      const t2 = (await exchange(base, 'acme', t1)).json().refresh_token as string;
      envelope(await exchange(base, 'acme', t1), 400, 'invalid_grant');
      envelope(await exchange(base, 'acme', t2), 400, 'invalid_grant');
    });
  });
}
