/**
 * A legacy session (`POST /api/sessions`: pyvcloud, vcd-cli, PowerShell, govcd's password sign-in) is found by the
 * SHA-256 of its 32-character id, and the access token it stands for is stored sealed under a key derived from that
 * id: the row alone (the SQLite file and the pages its deleted rows leave behind, a backup, a PostgreSQL statement
 * log that records the INSERT's parameters) holds no bearer. Until 2026-12-06 `legacy_sessions.access_token` was the
 * access token itself.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { http } from '../helpers/api.js';
import { hashLegacySessionId, openLegacyAccessToken, sealLegacyAccessToken } from '../../src/auth/authenticator.js';

let t: TesseraHandle;

before(async () => {
  t = await startTessera();
});
after(async () => {
  await t?.stop();
});

const XML = 'application/*+xml;version=36.1';

async function legacySignIn(): Promise<{ id: string; accessToken: string }> {
  const res = await http(`${t.baseUrl}/api/sessions`, {
    method: 'POST',
    headers: { accept: XML, authorization: `Basic ${Buffer.from(`alice@acme:${t.demoPassword}`).toString('base64')}` },
  });
  assert.equal(res.status, 200, res.text);
  const id = res.headers.get('x-vcloud-authorization');
  const accessToken = res.headers.get('x-vmware-vcloud-access-token');
  assert.ok(id && accessToken);
  return { id, accessToken };
}

const sessionWith = (id: string) => http(`${t.baseUrl}/api/session`, { headers: { accept: XML, 'x-vcloud-authorization': id } });

describe('legacy session ids: the stored row holds no bearer', () => {
  test('the row keeps neither the id nor the access token, and the id still signs requests in', async () => {
    const { id, accessToken } = await legacySignIn();
    const row = await t.store.db
      .selectFrom('legacy_sessions')
      .selectAll()
      .where('token_hash', '=', hashLegacySessionId(id))
      .executeTakeFirstOrThrow();
    const stored = JSON.stringify(row);
    assert.ok(!stored.includes(accessToken), 'the access token is not stored as it is');
    for (const part of accessToken.split('.'))
      assert.ok(!stored.includes(part), `no part of the access token is stored: ${part.slice(0, 12)}...`);
    assert.ok(!stored.includes(id), 'nor the legacy id');
    assert.equal(openLegacyAccessToken(id, row.access_token), accessToken, 'the id opens it');
    assert.equal(openLegacyAccessToken('0'.repeat(32), row.access_token), null, 'another id does not');
    const res = await sessionWith(id);
    assert.equal(res.status, 200, res.text);
    assert.match(res.text, /user="alice"/);
  });

  test('a row written by an older version (the access token as it is) still works until it expires', async () => {
    const { id, accessToken } = await legacySignIn();
    await t.store.db
      .updateTable('legacy_sessions')
      .set({ access_token: accessToken })
      .where('token_hash', '=', hashLegacySessionId(id))
      .execute();
    const res = await sessionWith(id);
    assert.equal(res.status, 200, res.text);
  });

  test('a sealed value that does not open is refused like an unknown id', async () => {
    const { id } = await legacySignIn();
    const other = await legacySignIn();
    // Another id's sealed token moved onto this row: it opens only with its own id.
    await t.store.db
      .updateTable('legacy_sessions')
      .set({ access_token: sealLegacyAccessToken(other.id, other.accessToken) })
      .where('token_hash', '=', hashLegacySessionId(id))
      .execute();
    const res = await sessionWith(id);
    assert.equal(res.status, 401, res.text);
  });
});
