/**
 * Two nodes started at the same moment on a new PostgreSQL database (a deployment of two replicas): both start, and
 * the store has one System org, one administrator and one demo. Until 2026-12-06 each node found the System org
 * missing and created it, and one of them died on the unique key about one start in three.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, startTessera, type TesseraHandle } from '../helpers/tessera.js';

test('two nodes started together on a new database both start, and bootstrap it once', async (t) => {
  if (!process.env.TESSERA_TEST_DATABASE_URL) assert.fail('TESSERA_TEST_DATABASE_URL is not set: run scripts/start-postgres.sh');
  for (let round = 0; round < 3; round++) {
    const database = await createTestDatabase();
    const started = await Promise.allSettled(
      [0, 1].map(() => startTessera({ backend: 'postgres', databaseUrl: database.url, demo: true })),
    );
    const nodes = started.filter((s): s is PromiseFulfilledResult<TesseraHandle> => s.status === 'fulfilled').map((s) => s.value);
    try {
      const failures = started.filter((s) => s.status === 'rejected').map((s) => String((s as PromiseRejectedResult).reason));
      assert.deepEqual(failures, [], `round ${round}`);
      const orgs = await nodes[0]!.store.db.selectFrom('orgs').select('name').orderBy('name').execute();
      assert.deepEqual(
        orgs.map((o) => o.name),
        ['System', 'acme', 'globex'],
        `round ${round}`,
      );
      const admins = await nodes[0]!.store.db.selectFrom('users').select('id').where('name', '=', 'administrator').execute();
      assert.equal(admins.length, 1, `round ${round}`);
    } finally {
      for (const node of nodes) await node.stop();
      await database.drop();
    }
  }
  t.diagnostic('3 rounds of two simultaneous starts');
});
