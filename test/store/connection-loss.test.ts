/**
 * A PostgreSQL connection killed while a query runs on it (a restart, a failover, an administrator's
 * pg_terminate_backend) fails that query, and only that query: node-postgres also emits 'error' on the client,
 * which the pool stops listening for while the client is checked out, and an 'error' event nobody listens to is an
 * uncaught exception that ends the process. The store must survive it and answer the next query on a new
 * connection, with prepared statements on and off.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { Store } from '../../src/store/store.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import { createTestDatabase } from '../helpers/tessera.js';
import { postgresPlan, reportUnavailable } from './backends.js';

const silent = { warn() {}, info() {} };
const plan = postgresPlan();

if (!reportUnavailable(plan, 'connection loss')) {
  describe('a connection killed under a running query', () => {
    let database: Awaited<ReturnType<typeof createTestDatabase>>;
    before(async () => {
      database = await createTestDatabase();
    });
    after(async () => {
      await database?.drop();
    });

    /** Runs `during` with `uncaughtException` counted instead of crashing the suite, and returns what was counted. */
    async function countingUncaught(during: () => Promise<void>): Promise<unknown[]> {
      const uncaught: unknown[] = [];
      const onUncaught = (err: unknown) => uncaught.push(err);
      process.prependListener('uncaughtException', onUncaught);
      try {
        await during();
        // Let the connection's 'end' and 'error' events run.
        await new Promise((r) => setTimeout(r, 300));
      } finally {
        process.removeListener('uncaughtException', onUncaught);
      }
      return uncaught;
    }

    /** After the loss: nothing escaped as an uncaught exception, and the store answers on a new connection. */
    async function assertRecovered(store: Store, uncaught: unknown[]): Promise<void> {
      assert.deepEqual(uncaught, [], 'no uncaught exception');
      const { rows } = await sql<{ one: number }>`select 1 as one`.execute(store.db);
      assert.equal(Number(rows[0]!.one), 1, 'the next query answers on a new connection');
    }

    for (const preparedStatements of [true, false]) {
      const mode = `prepared statements ${preparedStatements ? 'on' : 'off'}`;

      test(`a query running when its backend is killed fails alone; the next answers (${mode})`, async () => {
        const store = await openPostgresStore(database.url, silent, { poolSize: 1, preparedStatements });
        const admin = await openPostgresStore(database.url, silent, { poolSize: 1, preparedStatements: false });
        try {
          const uncaught = await countingUncaught(async () => {
            const marker = `tessera_loss_${preparedStatements ? 'on' : 'off'}_${Date.now()}`;
            // The marker is in the statement's text (a comment; ours, not input) so pg_stat_activity can find it.
            const running = sql`select pg_sleep(5) /* ${sql.raw(marker)} */`.execute(store.db).then(
              () => null,
              (err: Error) => err,
            );
            let killed = false;
            for (let i = 0; i < 100 && !killed; i++) {
              const { rows } = await sql<{ ok: boolean }>`
                select pg_terminate_backend(pid) as ok from pg_stat_activity
                where query like ${'%' + marker + '%'} and pid <> pg_backend_pid()`.execute(admin.db);
              killed = rows.some((r) => r.ok);
              if (!killed) await new Promise((r) => setTimeout(r, 20));
            }
            assert.ok(killed, 'the running query was found and its backend terminated');
            assert.ok((await running) instanceof Error, 'the killed query is rejected');
          });
          await assertRecovered(store, uncaught);
        } finally {
          await admin.close();
          await store.close();
        }
      });

      test(`a connection lost while checked out between queries does not end the process (${mode})`, async () => {
        const store = await openPostgresStore(database.url, silent, { poolSize: 1, preparedStatements });
        const admin = await openPostgresStore(database.url, silent, { poolSize: 1, preparedStatements: false });
        try {
          const uncaught = await countingUncaught(async () => {
            // Hold the pool's one connection (as a transaction or a batch does), and lose it meanwhile: the
            // disconnect arrives with no query running, so node-postgres reports it only as an 'error' event.
            const outcome = await store.db
              .connection()
              .execute(async (conn) => {
                const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(conn);
                await sql`select pg_terminate_backend(${rows[0]!.pid})`.execute(admin.db);
                await new Promise((r) => setTimeout(r, 200));
                await sql`select 1`.execute(conn);
                return 'answered';
              })
              .catch(() => 'failed');
            assert.equal(outcome, 'failed', 'the query on the dead connection fails');
          });
          await assertRecovered(store, uncaught);
        } finally {
          await admin.close();
          await store.close();
        }
      });
    }
  });
}
