/**
 * The org's account lockout in the store (src/auth/password-lockout.ts, migration 0020), on both backends: the
 * migration gives a store's existing users an unlocked account with no failures; a wrong password is counted by
 * one statement, so a parallel burst is counted exactly and locks exactly once, and attempts that find the lock
 * are not counted; a success resets the count without a write when there is nothing to reset.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Store, User } from '../../src/store/store.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import * as m0020 from '../../src/store/migrations/0020_password_lockout.js';
import { PasswordLockout } from '../../src/auth/password-lockout.js';
import { createTestDatabase } from '../helpers/tessera.js';
import { bothBackends, reportUnavailable } from '../store/backends.js';
import { orgWithUsers } from '../store/fixtures.js';

const silent = { warn() {}, info() {} };
const rule = (attempts: number, minutes = 10) => ({ attempts, lockMs: minutes * 60_000 });

for (const plan of bothBackends()) {
  if (reportUnavailable(plan, 'password lockout')) continue;
  describe(`password lockout on ${plan.backend}`, () => {
    let store: Store;
    let dir: string;
    let database: Awaited<ReturnType<typeof createTestDatabase>> | null = null;
    let lockout: PasswordLockout;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'tessera-lockout-'));
      if (plan.backend === 'postgres') {
        database = await createTestDatabase();
        store = await openPostgresStore(database.url, silent);
      } else {
        store = await openSqliteStore(join(dir, 'tessera.db'));
      }
      lockout = new PasswordLockout(store);
    });
    after(async () => {
      await store.close();
      await database?.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    const user = async (): Promise<User> => {
      const { userIds } = await orgWithUsers(store, `o-${randomUUID().slice(0, 8)}`, ['u']);
      return (await store.getUser(userIds[0]!))!;
    };

    test('the migration on a store with users: each is unlocked, with no failures, and can be counted', async () => {
      await m0020.down(store.db, plan.backend);
      const { userIds } = await orgWithUsers(store, `pre-${randomUUID().slice(0, 8)}`, ['a', 'b']);
      const before = (await store.db.selectFrom('users').selectAll().where('id', '=', userIds[0]!).executeTakeFirstOrThrow()) as object;
      assert.equal('password_failures' in before, false, 'written before the migration');
      await m0020.up(store.db, plan.backend);
      for (const id of userIds) {
        const u = (await store.getUser(id))!;
        assert.equal(Number(u.password_failures), 0);
        assert.equal(Number(u.password_locked_until), 0);
      }
      assert.deepEqual(await lockout.failed(userIds[0]!, rule(2), Date.now()), { kind: 'counted', failures: 1 });
      // A user created afterwards, by the store's own insert, gets the defaults too.
      assert.equal(Number((await user()).password_failures), 0);
    });

    test('counted, then locked at the limit for the interval; the count restarts', async () => {
      const u = await user();
      const now = Date.now();
      assert.deepEqual(await lockout.failed(u.id, rule(3), now), { kind: 'counted', failures: 1 });
      assert.deepEqual(await lockout.failed(u.id, rule(3), now), { kind: 'counted', failures: 2 });
      assert.deepEqual(await lockout.failed(u.id, rule(3), now), { kind: 'locked', until: now + 600_000 });
      const locked = (await store.getUser(u.id))!;
      assert.equal(Number(locked.password_failures), 0);
      assert.equal(Number(locked.password_locked_until), now + 600_000);
      assert.deepEqual(await lockout.failed(u.id, rule(3), now + 1), { kind: 'alreadyLocked', until: now + 600_000 });
      assert.equal(Number((await store.getUser(u.id))!.password_failures), 0, 'a failure during the lock is not counted');
      // After the lock, the count starts again from zero.
      assert.deepEqual(await lockout.failed(u.id, rule(3), now + 600_000), { kind: 'counted', failures: 1 });
    });

    test('a parallel burst is counted exactly, and exactly one of it locks', async () => {
      const u = await user();
      const now = Date.now();
      const burst = await Promise.all(Array.from({ length: 40 }, () => lockout.failed(u.id, rule(100), now)));
      assert.equal(Number((await store.getUser(u.id))!.password_failures), 40);
      assert.deepEqual(
        burst.map((o) => (o.kind === 'counted' ? o.failures : 0)).sort((a, b) => a - b),
        Array.from({ length: 40 }, (_, i) => i + 1),
      );
      const second = await Promise.all(Array.from({ length: 80 }, () => lockout.failed(u.id, rule(100), now)));
      assert.equal(second.filter((o) => o.kind === 'locked').length, 1);
      assert.equal(second.filter((o) => o.kind === 'counted').length, 59);
      assert.equal(second.filter((o) => o.kind === 'alreadyLocked').length, 20);
      assert.equal(Number((await store.getUser(u.id))!.password_failures), 0);
    });

    test('success resets the count, and writes nothing when it is already 0', async () => {
      const u = await user();
      await lockout.failed(u.id, rule(5), Date.now());
      await lockout.succeeded((await store.getUser(u.id))!);
      const reset = (await store.getUser(u.id))!;
      assert.equal(Number(reset.password_failures), 0);
      const noWrites = new PasswordLockout({
        db: {
          updateTable() {
            throw new Error('no write expected');
          },
        },
      } as unknown as Store);
      await noWrites.succeeded(reset);
    });
  });
}
