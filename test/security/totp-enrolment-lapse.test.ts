/**
 * A TOTP enrolment started and not confirmed within 15 minutes lapses (auth/totp-enrolment.ts): its key is no
 * longer shown, a right code for it enables nothing, the key leaves the row, and housekeeping clears keys left by
 * enrolments nobody came back to. Until 2026-12-06 an unconfirmed key waited for ever: whoever once held a password
 * session of the user could plant an enrolment (they saw the key) for the user to confirm months later.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { bearer, http, signIn } from '../helpers/api.js';
import { totpCode } from '../../src/auth/totp.js';
import { TOTP_ENROLMENT_TTL_MS } from '../../src/auth/totp-enrolment.js';
import { Housekeeping } from '../../src/auth/housekeeping.js';
import { createUser } from './support.js';
import { PortalClient, csrfFrom } from '../portal/portal-client.js';

const ACME = '/tenant/acme';
const TOTP = '/cloudapi/1.0.0/users/current/totp';

describe('an unconfirmed TOTP enrolment lapses', () => {
  let server: TesseraHandle;
  let aliceApi: string;

  before(async () => {
    server = await startTessera({ demo: true });
    aliceApi = await signIn(server.baseUrl, 'alice', 'acme', server.demoPassword);
  });
  after(async () => server?.stop());

  async function userRow(id: string) {
    return server.store.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  }
  /** Moves the enrolment's start back, as if `ms` had passed since it was made. */
  async function ageEnrolment(id: string, ms: number) {
    await server.store.db
      .updateTable('users')
      .set({ totp_started_at: Date.now() - ms })
      .where('id', '=', id)
      .execute();
  }
  async function startedThroughCloudapi() {
    const user = await createUser(server.baseUrl, aliceApi, { role: 'vApp Author' });
    const id = user.id.replace('urn:vcloud:user:', '');
    const session = await signIn(server.baseUrl, user.name, 'acme', user.password);
    const started = await http(`${server.baseUrl}${TOTP}`, { method: 'POST', headers: bearer(session) });
    assert.equal(started.status, 200, started.text);
    return { id, session, secret: started.json().secret as string };
  }
  const confirm = (session: string, code: string) =>
    http(`${server.baseUrl}${TOTP}/confirm`, {
      method: 'POST',
      headers: { ...bearer(session), 'Content-Type': 'application/json' },
      body: JSON.stringify({ code }),
    });

  test('cloudapi: a right code after 15 minutes enables nothing, says why, and the key is gone', async () => {
    const { id, session, secret } = await startedThroughCloudapi();
    assert.ok((await userRow(id)).totp_started_at > 0, 'the start is dated');
    await ageEnrolment(id, TOTP_ENROLMENT_TTL_MS + 1_000);

    const late = await confirm(session, totpCode(secret));
    assert.equal(late.status, 400, late.text);
    assert.match(late.json().message, /lapsed; start it again/);
    const row = await userRow(id);
    assert.equal(row.totp_enabled, 0);
    assert.equal(row.totp_secret, null, 'the lapsed key left the row');
    assert.equal((await confirm(session, totpCode(secret))).json().message.includes('Start the enrolment first'), true);

    // Starting again works as before, and within the window a right code enables it.
    const again = await http(`${server.baseUrl}${TOTP}`, { method: 'POST', headers: bearer(session) });
    assert.equal(again.status, 200);
    const fresh = again.json().secret as string;
    assert.notEqual(fresh, secret);
    await ageEnrolment(id, TOTP_ENROLMENT_TTL_MS - 60_000);
    const inTime = await confirm(session, totpCode(fresh));
    assert.equal(inTime.status, 200, inTime.text);
    assert.equal((await userRow(id)).totp_enabled, 1);
  });

  test('portal: a lapsed set-up is off, its key no longer shown, and a late code says it lapsed', async () => {
    const user = await createUser(server.baseUrl, aliceApi, { role: 'vApp Author' });
    const id = user.id.replace('urn:vcloud:user:', '');
    const portal = new PortalClient(server.server.app);
    await portal.signIn(ACME, user.name, user.password);
    const prefs = await portal.get(`${ACME}/preferences`);
    await portal.post(`${ACME}/preferences/totp/start`, { _csrf: csrfFrom(prefs.body) });
    const setUp = await portal.get(`${ACME}/preferences/totp`);
    assert.equal(setUp.statusCode, 200);
    const secret = /id="totp-secret"[^>]*>([A-Z2-7]+)</.exec(setUp.body)![1]!;
    assert.match((await portal.get(`${ACME}/preferences`)).body, /Continue set-up/);

    await ageEnrolment(id, TOTP_ENROLMENT_TTL_MS + 1_000);
    const prefsAfter = await portal.get(`${ACME}/preferences`);
    assert.doesNotMatch(prefsAfter.body, /Continue set-up/, 'a lapsed set-up is not offered to continue');
    assert.doesNotMatch(prefsAfter.body, new RegExp(secret));
    const showAgain = await portal.get(`${ACME}/preferences/totp`);
    assert.equal(showAgain.statusCode, 303, 'the key is not shown again');

    // The form was open in a tab all along: the right code, typed late.
    const late = await portal.post(`${ACME}/preferences/totp/confirm`, { _csrf: csrfFrom(setUp.body), code: totpCode(secret) });
    assert.equal(late.statusCode, 303);
    assert.equal(late.headers.location, `${ACME}/preferences?done=totp-lapsed#two-factor`);
    const notice = await portal.get(`${ACME}/preferences?done=totp-lapsed`);
    assert.match(notice.body, /has lapsed\. Two-factor authentication is still off/);
    assert.equal((await userRow(id)).totp_enabled, 0);
  });

  test('housekeeping clears the keys of lapsed enrolments and nothing else', async () => {
    const lapsed = await startedThroughCloudapi();
    const recent = await startedThroughCloudapi();
    const enabled = await startedThroughCloudapi();
    assert.equal((await confirm(enabled.session, totpCode(enabled.secret))).status, 200);
    await ageEnrolment(lapsed.id, TOTP_ENROLMENT_TTL_MS + 1_000);
    // An enabled user's start is long past; being enabled, nothing may touch the key.
    await ageEnrolment(enabled.id, 30 * 24 * 3600_000);

    // A failed run only logs a warning: here it fails the test.
    await new Housekeeping(server.store, { warn: (_o, m) => assert.fail(m) }).runOnce();
    assert.equal((await userRow(lapsed.id)).totp_secret, null);
    const keyOf = async (id: string) => server.server.services.recoveryCodes.openTotpSecret(id, (await userRow(id)).totp_secret);
    assert.equal(await keyOf(recent.id), recent.secret);
    const kept = await userRow(enabled.id);
    assert.equal(await keyOf(enabled.id), enabled.secret);
    assert.equal(kept.totp_enabled, 1);
  });
});
