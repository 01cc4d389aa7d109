/**
 * After the revocation feed reconnects, the node forgets every identity it had read: the notifications sent while
 * it was away are lost, and with them the invalidations they carried. Until 2026-12-05 a node whose LISTEN
 * connection dropped kept accepting the tokens of an org disabled meanwhile for up to the identity cache's 5 s.
 * The lost notification is made certain here by disabling the org in the database directly (no notification at
 * all), then dropping the node's LISTEN connection.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { startTessera } from '../helpers/tessera.js';
import { createApiToken, exchange, signIn } from '../helpers/api.js';
import { reportUnavailable, selectedBackends } from '../store/backends.js';

const postgres = selectedBackends().find((p) => p.backend === 'postgres');
const onPostgres = postgres !== undefined && !reportUnavailable(postgres, 'identities after a feed resync');

test(
  'a reconnect of the revocation feed drops the identities read before it',
  { skip: !onPostgres && 'PostgreSQL only (the feed): runs in the PostgreSQL pass (TESSERA_TEST_BACKEND=postgres)', timeout: 60_000 },
  async () => {
    const t = await startTessera({ backend: 'postgres' });
    try {
      const hank = await signIn(t.baseUrl, 'hank', 'globex', t.demoPassword);
      const { apiToken } = await createApiToken(t.baseUrl, hank, 'globex', 'across-a-resync');
      assert.equal((await exchange(t.baseUrl, 'globex', apiToken)).status, 200, 'the owner and org are now in memory');
      const resynced = new Promise<void>((resolve) => t.store.bus.onResync(async () => resolve()));
      await t.store.db.updateTable('orgs').set({ is_enabled: 0 }).where('name', '=', 'globex').execute();
      const { rows } = await sql<{ ok: boolean }>`
        select pg_terminate_backend(pid) as ok from pg_stat_activity
        where datname = current_database() and application_name like '% listen' and pid <> pg_backend_pid()`.execute(t.store.db);
      assert.ok(
        rows.some((r) => r.ok),
        'the node\u2019s LISTEN connection was found and dropped',
      );
      await resynced;
      const after = await exchange(t.baseUrl, 'globex', apiToken);
      assert.equal(after.status, 400, `the disabled org\u2019s token after the resync: ${after.text}`);
    } finally {
      await t.stop();
    }
  },
);
