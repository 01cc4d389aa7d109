/**
 * The exchange's hot reads on PostgreSQL are prepared once per connection (store/prepared-statements.ts): they
 * show in the session's pg_prepared_statements, answer exactly as unnamed, survive a lost connection, and nothing
 * else is named. The token list's statements are named too, one per shape whatever the page size. Off
 * (`preparedStatements: false`), nothing is prepared. Registration is bounded.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { openPostgresStore } from '../../src/store/postgres.js';
import { MAX_PREPARED_STATEMENTS, PreparedStatements, preparedStatementName } from '../../src/store/prepared-statements.js';
import type { Store } from '../../src/store/store.js';
import { createTestDatabase } from '../helpers/tessera.js';
import { postgresPlan, reportUnavailable } from './backends.js';
import { mintedTokenRow, orgWithUsers } from './fixtures.js';
import { indexedTokenPage, readListedTokens } from '../../src/store/token-listing.js';

const silent = { warn() {}, info() {} };

test('registration: the same text keeps its name, distinct texts get distinct names, and the set is bounded', () => {
  const statements = new PreparedStatements();
  assert.equal(statements.register('select 1 where $1'), true);
  assert.equal(statements.register('select 1 where $1'), true);
  statements.register('select 2 where $1');
  assert.equal(statements.size, 2);
  assert.notEqual(statements.nameOf('select 1 where $1'), statements.nameOf('select 2 where $1'));
  assert.equal(statements.nameOf('select 3 where $1'), undefined, 'an unregistered text is sent unnamed');
  for (let i = 2; i < MAX_PREPARED_STATEMENTS; i++) statements.register(`select ${i + 1} where $1`);
  // Beyond the bound a text is sent unnamed: never an error on the request path, never one more per connection.
  assert.equal(statements.register('one too many'), false);
  assert.equal(statements.nameOf('one too many'), undefined);
  assert.equal(statements.size, MAX_PREPARED_STATEMENTS);
  assert.equal(statements.nameOf('select 1 where $1'), preparedStatementName('select 1 where $1'), 'the first ones keep their names');
});

test("a name is its text's, whatever order a node registers them in: two nodes never name two texts alike", () => {
  const first = new PreparedStatements();
  const second = new PreparedStatements();
  first.register('select a where $1');
  first.register('select b where $1');
  second.register('select b where $1');
  second.register('select a where $1');
  assert.equal(first.nameOf('select a where $1'), second.nameOf('select a where $1'));
  assert.equal(first.nameOf('select b where $1'), second.nameOf('select b where $1'));
  assert.notEqual(first.nameOf('select a where $1'), first.nameOf('select b where $1'));
  assert.match(preparedStatementName('select a where $1'), /^tessera_[0-9a-f]{24}$/, "within PostgreSQL's 63 bytes");
});

/** The names prepared in the session of the pool's only connection. */
async function preparedNames(store: Store): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select name from pg_prepared_statements order by name`.execute(store.db);
  return rows.map((r) => r.name);
}

/** A user with one minted token (fixtures.ts; the store's contract suite covers the writes themselves). */
async function seedToken(store: Store): Promise<{ userId: string; hash: string; tokenId: string }> {
  const { orgId, userIds } = await orgWithUsers(store, `org-${randomUUID().slice(0, 8)}`, ['u']);
  const row = mintedTokenRow(orgId, userIds[0]!);
  await store.insertApiToken(row);
  return { userId: userIds[0]!, hash: row.secret_hash, tokenId: row.id };
}

for (const plan of [postgresPlan()]) {
  if (reportUnavailable(plan, 'prepared statements')) continue;
  describe('prepared statements on postgres', () => {
    let database: Awaited<ReturnType<typeof createTestDatabase>>;
    before(async () => {
      database = await createTestDatabase();
    });
    after(async () => {
      await database.drop();
    });

    test('the hot reads are named once per connection and answer as before; other queries stay unnamed', async () => {
      const store = await openPostgresStore(database.url, silent, { poolSize: 1 });
      try {
        const seeded = await seedToken(store);
        assert.deepEqual(await preparedNames(store), [], 'nothing is prepared before the reads run');
        for (let i = 0; i < 3; i++) {
          const token = await store.exchangeTokenByHash(seeded.hash);
          assert.equal(token?.id, seeded.tokenId);
          assert.equal((await store.identityUserById(seeded.userId))?.id, seeded.userId);
        }
        assert.equal(await store.exchangeTokenByHash('f'.repeat(64)), undefined);
        const twoNames = await preparedNames(store);
        assert.equal(twoNames.length, 2, 'two statements, however many calls');
        assert.ok(twoNames.every((name) => name.startsWith('tessera_')));
        // A kysely query that is not a registered read (this one included) is never named.
        await store.getOrg(randomUUID());
        assert.deepEqual(await preparedNames(store), twoNames);
      } finally {
        await store.close();
      }
    });

    test("the token list's statements are prepared too, one per shape whatever the page size", async () => {
      const store = await openPostgresStore(database.url, silent, { poolSize: 1 });
      try {
        const { orgId, userIds } = await orgWithUsers(store, `list-${randomUUID().slice(0, 8)}`, ['admin', 'u']);
        const created = Date.now();
        const ids: string[] = [];
        for (let i = 0; i < 30; i++) {
          const row = mintedTokenRow(orgId, userIds[1]!, { created_at: created + i });
          await store.insertApiToken(row);
          ids.push(row.id);
        }
        const before = (await preparedNames(store)).length;
        for (const [offset, size] of [
          [0, 25],
          [25, 25],
          [0, 3],
          [10, 7],
        ] as const) {
          for (const scope of [{ kind: 'org', orgId }, { kind: 'all' }, { kind: 'own' }] as const) {
            const caller = scope.kind === 'own' ? userIds[1]! : userIds[0]!;
            const page = (await indexedTokenPage(store, scope, caller, offset, size))!;
            const rows = await readListedTokens(store, page.ids);
            assert.deepEqual(
              rows.map((r) => r.id),
              page.ids,
              'every row of the page, in its order',
            );
            if (scope.kind !== 'all') assert.deepEqual(page.ids, ids.slice(offset, offset + size));
          }
        }
        const names = await preparedNames(store);
        // The own count, two scopes' probe-and-count, the own ids, two scopes' ids walked and sought from a
        // remembered position (store/token-list-anchors.ts), the rows by any(): nine, page size or not.
        assert.equal(names.length - before, 9, names.join(', '));
      } finally {
        await store.close();
      }
    });

    test('a connection lost under the pool: the next one prepares again and the read still answers', async () => {
      const store = await openPostgresStore(database.url, silent, { poolSize: 1 });
      try {
        const seeded = await seedToken(store);
        assert.equal((await store.exchangeTokenByHash(seeded.hash))?.id, seeded.tokenId);
        const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(store.db);
        const admin = await openPostgresStore(database.url, silent, { poolSize: 1, preparedStatements: false });
        try {
          await sql`select pg_terminate_backend(${rows[0]!.pid})`.execute(admin.db);
        } finally {
          await admin.close();
        }
        // The pool finds its idle connection dead and drops it (a query on it may fail once, as any query would).
        let answer;
        for (let attempt = 0; attempt < 5 && answer === undefined; attempt++) {
          answer = await store.exchangeTokenByHash(seeded.hash).catch(() => undefined);
        }
        assert.equal(answer?.id, seeded.tokenId);
        const { rows: after } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(store.db);
        assert.notEqual(after[0]!.pid, rows[0]!.pid, 'a new connection');
        assert.equal((await preparedNames(store)).length, 1, 'prepared again on the new connection');
      } finally {
        await store.close();
      }
    });

    test('turned off, nothing is prepared and the reads answer the same', async () => {
      const store = await openPostgresStore(database.url, silent, { poolSize: 1, preparedStatements: false });
      try {
        const seeded = await seedToken(store);
        assert.equal((await store.exchangeTokenByHash(seeded.hash))?.id, seeded.tokenId);
        assert.equal((await store.identityUserById(seeded.userId))?.id, seeded.userId);
        assert.deepEqual(await preparedNames(store), []);
      } finally {
        await store.close();
      }
    });
  });
}
