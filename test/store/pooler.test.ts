/**
 * Tessera behind PgBouncer, as a provider's DBA runs it (docs/postgresql.md, "Connection poolers").
 *
 * In transaction mode the revocation feed's LISTEN stays behind on one server connection and PgBouncer drops what
 * that connection receives while no client is linked to it, but the feed's heartbeats, sent from the listening
 * client itself, still came back: until 2026-12-06 a node behind such a pooler took its feed for live and kept
 * accepting tokens revoked on other nodes (exchanges for 30 s, access tokens until they expired). It must refuse to
 * start instead, and work with the LISTEN connection given its own URL (TESSERA_DATABASE_LISTEN_URL).
 *
 * Needs pgbouncer (PATH or /usr/sbin) and the test cluster; skips loudly without pgbouncer.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { sql } from 'kysely';
import { randomUUID } from 'node:crypto';
import { mintedTokenRow, orgWithUsers } from './fixtures.js';
import { openPostgresStore, REVOCATION_CHANNEL } from '../../src/store/postgres.js';
import { StoreOpenError } from '../../src/store/open-errors.js';
import type { RevocationEvent } from '../../src/store/store.js';
import { createTestDatabase } from '../helpers/tessera.js';
import { pgbouncerUnavailable, startPgbouncer, type Pooler } from '../helpers/pgbouncer.js';

const silent = { warn() {}, info() {} };
const unavailable = pgbouncerUnavailable();

if (unavailable) {
  const banner = '!'.repeat(100);
  process.stderr.write(`\n${banner}\n!! SKIPPED: Tessera behind PgBouncer: ${unavailable}\n${banner}\n\n`);
  test('Tessera behind PgBouncer', { skip: `SKIPPED: ${unavailable}` }, () => {});
} else {
  describe('Tessera behind PgBouncer', () => {
    let database: Awaited<ReturnType<typeof createTestDatabase>>;
    let transaction: Pooler;
    let session: Pooler;
    before(async () => {
      database = await createTestDatabase();
      transaction = await startPgbouncer('transaction', ['ignore_startup_parameters = extra_float_digits,statement_timeout']);
      session = await startPgbouncer('session', ['ignore_startup_parameters = extra_float_digits,statement_timeout']);
    });
    after(async () => {
      await transaction?.stop();
      await session?.stop();
      await database?.drop();
    });

    /** A revocation event as another node's commit sends it, straight to PostgreSQL. */
    async function notifyFromAnotherNode(event: RevocationEvent): Promise<void> {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        await client.query('select pg_notify($1, $2)', [REVOCATION_CHANNEL, JSON.stringify({ ...event, origin: 'another-node' })]);
      } finally {
        await client.end();
      }
    }

    async function receives(listenUrl: string | undefined, url: string): Promise<void> {
      const store = await openPostgresStore(url, silent, { poolSize: 2, preparedStatements: false, listenUrl });
      try {
        const subject = `tok-${Date.now()}`;
        const arrived = new Promise<RevocationEvent>((resolve) =>
          store.bus.subscribe((e) => {
            if (e.subject === subject) resolve(e);
          }),
        );
        const now = Date.now();
        await notifyFromAnotherNode({ seq: 1, kind: 'api_token', subject, at: now, relevantUntil: now + 60_000 });
        const timeout = new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error('revocation not received in 3 s')), 3_000).unref(),
        );
        assert.equal((await Promise.race([arrived, timeout])).subject, subject);
      } finally {
        await store.close();
      }
    }

    test('through a transaction-mode pool alone the store refuses to open, saying why: its LISTEN would miss revocations', async () => {
      await assert.rejects(
        openPostgresStore(transaction.urlFor(database.url), silent, { poolSize: 2, preparedStatements: false }),
        (err: unknown) => {
          assert.ok(err instanceof StoreOpenError, `a StoreOpenError, got ${String(err)}`);
          assert.match(err.message, /not a PostgreSQL session of its own/);
          assert.match(err.message, /TESSERA_DATABASE_LISTEN_URL/);
          return true;
        },
      );
    });

    test('through a transaction-mode pool with the LISTEN connection direct, revocations from other nodes arrive', async () => {
      await receives(database.url, transaction.urlFor(database.url));
    });

    test('through a transaction-mode pool with the LISTEN connection through a session-mode pool, revocations arrive', async () => {
      await receives(session.urlFor(database.url), transaction.urlFor(database.url));
    });

    test('behind a pooler that refuses statement_timeout at connect (PgBouncer by default), the store opens and says to bound the role', async () => {
      // PgBouncer as installed: no ignore_startup_parameters. Until 2026-12-06: "unsupported startup parameter:
      // statement_timeout", a stack trace, no start.
      const plain = await startPgbouncer('session');
      const warnings: string[] = [];
      try {
        const store = await openPostgresStore(
          plain.urlFor(database.url),
          { warn: (_o, m) => warnings.push(m), info() {} },
          { poolSize: 2 },
        );
        try {
          const { rows } = await store.db
            .selectFrom('orgs')
            .select('id')
            .execute()
            .then((r) => ({ rows: r }));
          assert.ok(Array.isArray(rows));
        } finally {
          await store.close();
        }
      } finally {
        await plain.stop();
      }
      assert.ok(
        warnings.some((w) => /statement_timeout = 0/.test(w) && /ALTER ROLE <role> SET statement_timeout = '30s'/.test(w)),
        warnings.join('\n'),
      );
    });

    test('connected directly, the statement bound holds and nothing is said about it', async () => {
      const warnings: string[] = [];
      const store = await openPostgresStore(database.url, { warn: (_o, m) => warnings.push(m), info() {} }, { poolSize: 1 });
      try {
        const { rows } = await sql<{ statement_timeout: string }>`show statement_timeout`.execute(store.db);
        assert.equal(rows[0]!.statement_timeout, '30s');
      } finally {
        await store.close();
      }
      assert.deepEqual(
        warnings.filter((w) => /statement_timeout/.test(w)),
        [],
      );
    });

    test('through a transaction-mode pool, two nodes starting at once bootstrap one after the other', async () => {
      const url = transaction.urlFor(database.url);
      const options = { poolSize: 2, preparedStatements: false, listenUrl: database.url };
      const a = await openPostgresStore(url, silent, options);
      const b = await openPostgresStore(url, silent, options);
      try {
        const steps: string[] = [];
        const work = (node: string) => async () => {
          steps.push(`${node} in`);
          await new Promise((r) => setTimeout(r, 400));
          steps.push(`${node} out`);
        };
        await Promise.all([a.oneNodeAtATime(work('a')), new Promise((r) => setTimeout(r, 100)).then(() => b.oneNodeAtATime(work('b')))]);
        assert.deepEqual(steps, ['a in', 'a out', 'b in', 'b out']);
        // And nothing is left held for the next start: in this test's database (the cluster is shared with the other
        // suites running at the same time, whose migrations take advisory locks of their own).
        const client = new pg.Client({ connectionString: database.url });
        await client.connect();
        const { rows } = await client.query(
          "select count(*)::int as n from pg_locks where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())",
        );
        await client.end();
        assert.equal(rows[0].n, 0);
      } finally {
        await a.close();
        await b.close();
      }
    });

    test('through a transaction-mode pool with prepared statements left on, the reads answer (unnamed) and the node says to turn them off', async () => {
      const url = transaction.urlFor(database.url);
      const warnings: string[] = [];
      const log = { warn: (_o: object, m: string) => warnings.push(m), info() {} };
      // Two nodes: their named statements meet on the pooler's server connections.
      const a = await openPostgresStore(url, log, { poolSize: 2, listenUrl: database.url });
      const b = await openPostgresStore(url, log, { poolSize: 2, listenUrl: database.url });
      try {
        const { orgId, userIds } = await orgWithUsers(a, `org-${randomUUID().slice(0, 8)}`, ['u']);
        const row = mintedTokenRow(orgId, userIds[0]!);
        await a.insertApiToken(row);
        for (let i = 0; i < 10; i++) {
          for (const store of [a, b]) {
            const [token, user] = await Promise.all([store.exchangeTokenByHash(row.secret_hash), store.identityUserById(userIds[0]!)]);
            assert.equal(token?.id, row.id);
            assert.equal(user?.id, userIds[0]);
          }
        }
      } finally {
        await a.close();
        await b.close();
      }
      assert.ok(
        warnings.some((w) => /does not keep prepared statements/.test(w) && /TESSERA_DATABASE_PREPARED_STATEMENTS=false/.test(w)),
        warnings.join('\n'),
      );
    });

    test('through a session-mode pool alone, revocations from other nodes arrive', async () => {
      await receives(undefined, session.urlFor(database.url));
    });
  });
}
