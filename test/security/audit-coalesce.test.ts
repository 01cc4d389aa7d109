/**
 * Sign-outs and failed sign-ins do not grow the audit trail without bound (issue 16 §7): the sign-outs of the
 * sessions of one API token are one counted `session.deleted` event per token, address and minute, whichever way
 * the session is ended (RFC 7009 revocation of the access token, DELETE /api/session, DELETE
 * /cloudapi/1.0.0/sessions/current); a person's sign-out (a password session) stays one event of its own; failed
 * sign-ins of one account from one address are the first at once and one event counting the minute's. The counts
 * are what the audit API shows. Until 2026-12-06 each was a row of its own, kept for ever.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { bearer, createApiToken, exchange, http, signIn } from '../helpers/api.js';
import { eventually, JSON_37, signInReply } from './support.js';

describe('sign-outs and failed sign-ins are counted, not one row each', () => {
  let t: TesseraHandle;
  let base: string;

  before(async () => {
    t = await startTessera({
      config: {
        signInRateLimit: 1000,
        signInFailuresPerAccount: 1000,
        signInFailuresPerAddress: 1000,
        tokenRateLimitPerIp: 100_000,
        tokenRateLimitPerToken: 100_000,
      },
    });
    base = t.baseUrl;
  });
  after(async () => {
    await t?.stop();
  });

  const rowsOf = (type: string) =>
    t.store.db.selectFrom('audit_events').selectAll().where('event_type', '=', type).orderBy('at').orderBy('id').execute();

  /** One session of the token, ended in one of the three ways a client ends it. */
  async function exchangeAndSignOut(apiToken: string, way: number): Promise<void> {
    const access = (await exchange(base, 'acme', apiToken)).json().access_token as string;
    const ended =
      way === 0
        ? await http(`${base}/oauth/tenant/acme/revoke`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ token: access }),
          })
        : way === 1
          ? await http(`${base}/api/session`, { method: 'DELETE', headers: bearer(access, 'application/*+xml;version=36.1') })
          : await http(`${base}/cloudapi/1.0.0/sessions/current`, { method: 'DELETE', headers: bearer(access) });
    assert.ok(ended.status === 200 || ended.status === 204, `way ${way}: ${ended.status} ${ended.text}`);
    assert.equal((await http(`${base}/cloudapi/1.0.0/sessions/current`, { headers: bearer(access) })).status, 401, 'ended');
  }

  test('50 sign-outs of one token: one session.deleted counting 50; two tokens: two; a password sign-out: its own', async () => {
    const bob = await signIn(base, 'bob', 'acme', t.demoPassword);
    const one = await createApiToken(base, bob, 'acme', 'sign-out-loop-1');
    const two = await createApiToken(base, bob, 'acme', 'sign-out-loop-2');
    for (let i = 0; i < 50; i++) await exchangeAndSignOut(one.apiToken, i % 3);
    for (let i = 0; i < 7; i++) await exchangeAndSignOut(two.apiToken, i % 3);
    const person = await signIn(base, 'bob', 'acme', t.demoPassword);
    assert.equal((await http(`${base}/cloudapi/1.0.0/sessions/current`, { method: 'DELETE', headers: bearer(person) })).status, 204);
    // The person's sign-out is written at once; the token sessions' wait for their minute (or the shutdown).
    const before = await rowsOf('session.deleted');
    assert.equal(before.filter((r) => r.actor_name === 'bob').length, 1, JSON.stringify(before).slice(0, 500));
    assert.equal(before[0]!.token_id, null);
    assert.match(JSON.parse(before[0]!.details).sessionId, /^[0-9a-f-]{36}$/);

    await t.server.services.audit.stop();
    const rows = (await rowsOf('session.deleted')).filter((r) => r.actor_name === 'bob');
    assert.equal(rows.length, 3, JSON.stringify(rows).slice(0, 500));
    const ofToken = (id: string) => rows.filter((r) => r.token_id === id);
    assert.equal(ofToken(one.clientId).length, 1);
    assert.equal(ofToken(two.clientId).length, 1);
    const d1 = JSON.parse(ofToken(one.clientId)[0]!.details);
    assert.equal(d1.count, 50);
    assert.equal(d1.kind, 'api_token');
    assert.ok(Date.parse(d1.first) <= Date.parse(d1.last), JSON.stringify(d1));
    assert.equal(Number(ofToken(one.clientId)[0]!.at), Date.parse(d1.last), 'the event is dated by its last sign-out');
    assert.equal(JSON.parse(ofToken(two.clientId)[0]!.details).count, 7);
    assert.equal(ofToken(one.clientId)[0]!.ip, '127.0.0.1');

    // The audit API shows the count, as it shows a refusal's `repeated`.
    const alice = await signIn(base, 'alice', 'acme', t.demoPassword);
    const res = await http(
      `${base}/cloudapi/1.0.0/auditTrail?pageSize=128&filter=${encodeURIComponent(`eventType==session.deleted;tokenId==${one.clientId}`)}`,
      { headers: { ...bearer(alice), Accept: JSON_37 } },
    );
    assert.equal(res.status, 200, res.text);
    const values = res.json().values as Array<Record<string, any>>;
    assert.equal(values.length, 1, res.text);
    assert.equal(values[0]!.details.count, 50);
    assert.equal(values[0]!.user?.name, 'bob');
    assert.equal(values[0]!.tokenId, `urn:vcloud:token:${one.clientId}`);
  });
});

describe('failed sign-ins are counted per account, address and reason', () => {
  test('20 failed sign-ins of one account from one address: the first at once, then one event counting 20', async () => {
    const t = await startTessera({
      config: { signInRateLimit: 1000, signInFailuresPerAccount: 1000, signInFailuresPerAddress: 1000 },
    });
    try {
      const base = t.baseUrl;
      const refusedRows = () =>
        t.store.db.selectFrom('audit_events').selectAll().where('event_type', '=', 'session.refused').orderBy('at').orderBy('id').execute();
      for (let i = 0; i < 20; i++) assert.equal((await signInReply(base, 'hank', 'globex', `wrong-password-${i}`)).status, 401);
      // An unknown name is counted by the name typed: its own event, apart from hank's.
      for (let i = 0; i < 3; i++) assert.equal((await signInReply(base, 'nobody', 'globex', 'wrong-password')).status, 401);
      // Written at once, but after the answer (audit.ts `coalesce`: the sign-in does not wait for it): waited for, as a
      // loaded PostgreSQL run (Node 24, 2026-12-08) read the table before the second first write had committed.
      const prompt = await eventually('the first refusal of each account', async () => {
        const rows = await refusedRows();
        return rows.length >= 2 && rows;
      });
      assert.equal(prompt.length, 2, `the first of each account is written at once: ${JSON.stringify(prompt).slice(0, 500)}`);
      assert.equal(prompt[0]!.actor_name, 'hank');
      assert.equal(JSON.parse(prompt[0]!.details).reason, 'bad credentials');

      await t.server.services.audit.stop();
      const rows = await refusedRows();
      assert.equal(rows.length, 4, JSON.stringify(rows).slice(0, 500));
      const counted = rows.filter((r) => JSON.parse(r.details).count !== undefined);
      const hank = counted.filter((r) => r.actor_name === 'hank');
      assert.equal(hank.length, 1, JSON.stringify(counted).slice(0, 500));
      const details = JSON.parse(hank[0]!.details);
      assert.equal(details.count, 20);
      assert.equal(details.repeated, 19);
      assert.equal(details.reason, 'bad credentials');
      assert.equal(hank[0]!.ip, '127.0.0.1');
      assert.equal(hank[0]!.org_name, 'globex');
      assert.equal(hank[0]!.outcome, 'failure');
      const unknown = counted.filter((r) => r.actor_name === null);
      assert.equal(unknown.length, 1);
      assert.equal(JSON.parse(unknown[0]!.details).count, 3);
      assert.ok(!JSON.stringify(rows).includes('nobody'), 'a name that names no user is not kept');
      assert.ok(!JSON.stringify(rows).includes('wrong-password'));

      const admin = await signIn(base, 'administrator', 'System', t.adminPassword);
      const res = await http(`${base}/cloudapi/1.0.0/auditTrail?pageSize=128&filter=${encodeURIComponent('eventType==session.refused')}`, {
        headers: bearer(admin),
      });
      assert.equal(res.status, 200, res.text);
      const shown = (res.json().values as Array<Record<string, any>>).filter((e) => e.user?.name === 'hank');
      assert.deepEqual(
        shown.map((e) => e.details.count ?? 1).sort((a, b) => a - b),
        [1, 20],
      );
    } finally {
      await t.stop();
    }
  });
});
