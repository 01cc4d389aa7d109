/**
 * A store that cannot write (its disk full) refuses writes with a clear 503 in the API's own format and keeps
 * serving reads; once it can write again, writes work without a restart. The disk is made "full" with SQLite's
 * max_page_count on the server's writer connection, which fails the next write that needs a page with SQLITE_FULL,
 * as a full disk does. SQLite rolls such a transaction back by itself: the error that says why (SQLITE_FULL) must
 * reach the answer, not a second ROLLBACK's "no transaction is active" (both were a 500 until 2026-12-05).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { startTessera } from '../helpers/tessera.js';
import { createApiToken, exchange, http, bearer, signIn } from '../helpers/api.js';

test('SQLite with a full disk: writes are 503 "cannot write", reads still answer, and writes resume', async (t) => {
  const tessera = await startTessera({ backend: 'sqlite', demo: true });
  t.after(() => tessera.stop());
  const base = tessera.baseUrl;
  const alice = await signIn(base, 'alice', 'acme', tessera.demoPassword);
  const live = await createApiToken(base, alice, 'acme', 'before-full');

  const pages = Number((await sql<{ page_count: number }>`PRAGMA page_count`.execute(tessera.store.db)).rows[0]!.page_count);
  await sql.raw(`PRAGMA max_page_count = ${pages}`).execute(tessera.store.db);
  try {
    // Writes that need new pages: registrations with long names, until one is refused.
    let refused: Awaited<ReturnType<typeof http>> | undefined;
    for (let i = 0; i < 400 && !refused; i++) {
      const res = await http(`${base}/oauth/tenant/acme/register`, {
        method: 'POST',
        headers: { ...bearer(alice), 'Content-Type': 'application/json' },
        body: JSON.stringify({ client_name: `full-${i}-${'x'.repeat(100)}` }),
      });
      if (res.status !== 200) refused = res;
    }
    assert.ok(refused, 'a write is refused once the file cannot grow');
    assert.equal(refused.status, 503, refused.text);
    assert.match(refused.json().message, /cannot write/);
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
    const rows = await http(`${base}/api/query?type=vm&format=records&pageSize=1`, {
      headers: bearer(alice, 'application/*+json;version=36.1'),
    });
    assert.equal(rows.status, 200, 'reads go on');
    assert.equal((await exchange(base, 'acme', live.apiToken)).status, 200, 'the exchange of a live token goes on');
  } finally {
    await sql.raw('PRAGMA max_page_count = 1073741823').execute(tessera.store.db);
  }
  const after = await createApiToken(base, alice, 'acme', 'after-full');
  assert.equal((await exchange(base, 'acme', after.apiToken)).status, 200, 'writes resume without a restart');
});
