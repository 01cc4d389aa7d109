/**
 * SQLite's two connections (src/store/sqlite-connections.ts): reads outside a transaction, and read-only
 * transactions, go to a reader that sees the last committed state while a write transaction is open; writes still
 * wait for it; a read-only transaction keeps its snapshot, and a plain read does not join it; a long write
 * transaction lets the event loop turn between its statements. Until 2026-12-05 every read waited for whatever
 * transaction held kysely's single connection, and the whole process waited for a transaction of many statements.
 * Last, 300 callers at once (transfers in write transactions, some long enough to give the loop back, plain reads,
 * read-only transactions, plain writes): every read sees a whole total, the balances come out exact, and every
 * caller finishes; reads sent to the writer without its lock fail it. These run on SQLite whatever the suite's
 * backend: they are about the SQLite store itself.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { sql } from 'kysely';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Executor, Store } from '../../src/store/store.js';
import { orgWithUsers } from './fixtures.js';

/** A store on a file (a store in memory has one connection only), removed afterwards. */
async function withFileStore(fn: (store: Store) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-sqlite-connections-'));
  const store = await openSqliteStore(join(dir, 'tessera.db'));
  try {
    await fn(store);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The number of orgs, read through `ex`: the store's own reads, or a transaction's. */
const orgCount = async (ex: Executor) =>
  Number(
    (
      await ex
        .selectFrom('orgs')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

/** Settles with the promise's value, or with 'still waiting' after `ms` (the timer cleared once it settles). */
function within<T>(promise: Promise<T>, ms: number): Promise<T | 'still waiting'> {
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<'still waiting'>((resolve) => (timer = setTimeout(() => resolve('still waiting'), ms)));
  return Promise.race([promise, waited]).finally(() => clearTimeout(timer));
}

/** A write transaction that has written an org and stays open until `release()`. */
function openWriteTransaction(store: Store) {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let written!: () => void;
  const wrote = new Promise<void>((resolve) => (written = resolve));
  const done = store.transaction(async (trx) => {
    await sql`insert into orgs (id, name, name_lower, full_name, description, is_enabled, is_system,
                                deployed_vm_quota, stored_vm_quota, created_at)
              values ('held-org', 'held', 'held', 'held', '', 1, 0, 0, 0, 0)`.execute(trx);
    written();
    await held;
  });
  return { wrote, release, done };
}

test('a read outside a transaction is answered while a write transaction is open, and sees only what is committed', async () => {
  await withFileStore(async (store) => {
    await orgWithUsers(store, 'before', ['u']);
    const before = await orgCount(store.db);
    const open = openWriteTransaction(store);
    await open.wrote;
    assert.equal(await within(orgCount(store.db), 3_000), before, 'answered at once, without the uncommitted org');
    const raw = within(sql<{ n: number }>`select count(*) as n from orgs`.execute(store.db), 3_000);
    assert.deepEqual(await raw, { rows: [{ n: before }] }, 'raw SQL that only reads goes to the reader too');
    open.release();
    await open.done;
    assert.equal(await orgCount(store.db), before + 1, 'committed: the next read sees it');
  });
});

test('a read-only transaction runs while a write transaction is open; writes still wait for it', async () => {
  await withFileStore(async (store) => {
    const { orgId } = await orgWithUsers(store, 'before', ['u']);
    const before = await orgCount(store.db);
    const open = openWriteTransaction(store);
    await open.wrote;
    const snapshot = store.db
      .transaction()
      .setAccessMode('read only')
      .execute((trx) => orgCount(trx));
    assert.equal(await within(snapshot, 3_000), before);

    let renamed = false;
    const write = store.db
      .updateTable('orgs')
      .set({ full_name: 'renamed' })
      .where('id', '=', orgId)
      .execute()
      .then(() => (renamed = true));
    await delay(100);
    assert.equal(renamed, false, 'a write outside the transaction waits for it');
    open.release();
    await Promise.all([open.done, write]);
    assert.equal(
      (await store.db.selectFrom('orgs').select('full_name').where('id', '=', orgId).executeTakeFirstOrThrow()).full_name,
      'renamed',
    );
  });
});

test('a read-only transaction keeps its snapshot, and a read outside it waits for it rather than joining it', async () => {
  await withFileStore(async (store) => {
    await orgWithUsers(store, 'before', ['u']);
    const before = await orgCount(store.db);
    let outside: Promise<number> | null = null;
    const inside = await store.db
      .transaction()
      .setAccessMode('read only')
      .execute(async (trx) => {
        const count = () => orgCount(trx);
        const first = await count();
        // Committed by the writer while the snapshot is open (a plain insert: a read here would wait for this very
        // transaction, as the test's last read does).
        await sql`insert into orgs (id, name, name_lower, full_name, description, is_enabled, is_system,
                                    deployed_vm_quota, stored_vm_quota, created_at)
                  values ('during-org', 'during', 'during', 'during', '', 1, 0, 0, 0, 0)`.execute(store.db);
        outside = orgCount(store.db);
        await delay(50);
        return [first, await count()];
      });
    assert.deepEqual(inside, [before, before], 'the snapshot does not move');
    assert.equal(await outside!, before + 1, 'the read outside saw the commit, not the snapshot');
  });
});

test('a long write transaction lets the event loop turn between its statements', async () => {
  await withFileStore(async (store) => {
    const { orgId } = await orgWithUsers(store, 'loop', ['u']);
    let turned = false;
    const timer = setImmediate(() => (turned = true));
    const statements = await store.transaction(async (trx) => {
      // Statements until a callback queued before the transaction has run, or for at most 5 s.
      const started = performance.now();
      let n = 0;
      while (!turned && performance.now() - started < 5_000) {
        await trx
          .updateTable('orgs')
          .set({ description: `n${n}` })
          .where('id', '=', orgId)
          .execute();
        n++;
      }
      return n;
    });
    clearImmediate(timer);
    assert.equal(turned, true, `the event loop did not turn during ${statements} statements`);
  });
});

test('a store in memory has one connection: a read waits for the open write transaction and sees its result', async () => {
  const store = await openSqliteStore(':memory:');
  try {
    await orgWithUsers(store, 'before', ['u']);
    const before = await orgCount(store.db);
    const open = openWriteTransaction(store);
    await open.wrote;
    const read = orgCount(store.db);
    assert.equal(await within(read, 100), 'still waiting');
    open.release();
    await open.done;
    assert.equal(await read, before + 1);
  } finally {
    await store.close();
  }
});

test('many callers at once: transfers keep the total, every read sees a committed total, and nothing waits for ever', async () => {
  await withFileStore(async (store) => {
    // A table of its own (the schema's tables have constraints this has no use for); raw SQL, as any caller may send.
    await sql`create table probe_accounts (id integer primary key, balance integer not null)`.execute(store.db);
    const accounts = 10;
    for (let id = 0; id < accounts; id++) await sql`insert into probe_accounts values (${id}, 100)`.execute(store.db);
    const total = async (ex: Executor) =>
      Number((await sql<{ total: number }>`select sum(balance) as total from probe_accounts`.execute(ex)).rows[0]!.total);

    // A seeded draw, so a failure can be replayed: the mix of callers and their timing.
    let seed = 20261205;
    const draw = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const expected = Array.from({ length: accounts }, () => 100);
    const seen: number[] = [];
    const callers = Array.from({ length: 300 }, async (_, i) => {
      await delay(draw(20));
      const kind = i % 4;
      if (kind === 0) {
        // A transfer: statements apart in time, and now and then a stretch long enough to give the loop back.
        const [from, to, amount] = [draw(accounts), draw(accounts), 1 + draw(5)];
        const long = draw(10) === 0;
        await store.transaction(async (trx) => {
          await sql`update probe_accounts set balance = balance - ${amount} where id = ${from}`.execute(trx);
          if (long) for (const end = performance.now() + 20; performance.now() < end;) await sql`select 1`.execute(trx);
          else await delay(draw(3));
          await sql`update probe_accounts set balance = balance + ${amount} where id = ${to}`.execute(trx);
        });
        expected[from]! -= amount;
        expected[to]! += amount;
      } else if (kind === 1) {
        seen.push(await total(store.db));
      } else if (kind === 2) {
        const [first, second] = await store.db
          .transaction()
          .setAccessMode('read only')
          .execute(async (trx) => {
            const first = await total(trx);
            await delay(draw(3));
            return [first, await total(trx)];
          });
        assert.equal(first, second, 'a read-only transaction reads one snapshot');
        seen.push(first!);
      } else {
        // A write outside any transaction: it waits for the writer, and changes no total.
        await sql`update probe_accounts set balance = balance where id = ${draw(accounts)}`.execute(store.db);
      }
    });
    const settled = await within(Promise.all(callers), 30_000);
    assert.notEqual(settled, 'still waiting', 'every caller finished within 30 s');
    assert.deepEqual([...new Set(seen)], [100 * accounts], 'no read saw a transfer half done');
    const rows = (await sql<{ id: number; balance: number }>`select id, balance from probe_accounts order by id`.execute(store.db)).rows;
    assert.deepEqual(
      rows.map((r) => r.balance),
      expected,
    );
  });
});
