/**
 * The query service's slots (execute.ts, querySlots): one organization's burst of uncached queries neither holds the
 * event loop from start to end (on SQLite every statement is synchronous) nor makes another organization's query
 * wait for all of it, and a burst past the per-organization line is refused with a 503 that says when to retry.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from '../../../src/store/store.js';
import { executeQuery, querySlots, QUERY_WAITING_PER_ORG, type QueryRequest } from '../../../src/inventory/query/execute.js';
import { queryType } from '../../../src/inventory/query/catalogue.js';
import { generateOrgInventory } from '../../../src/inventory/generate.js';
import { TesseraError } from '../../../src/domain/errors.js';
import { bothBackends, reportUnavailable } from '../../store/backends.js';
import { makeOrg, makeUser, openTestStore } from '../fixtures.js';

for (const plan of bothBackends()) {
  if (reportUnavailable(plan, 'query slots')) continue;
  describe(`query slots on ${plan.backend}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let orgA: string;
    let orgB: string;
    before(async () => {
      ({ store, cleanup } = await openTestStore(plan));
      orgA = (await makeOrg(store, 'busy')).id;
      orgB = (await makeOrg(store, 'quiet')).id;
      await generateOrgInventory(store, orgA, 600, { ownerIds: [(await makeUser(store, orgA, 'u1')).id] });
      await generateOrgInventory(store, orgB, 50, { ownerIds: [] });
    });
    after(async () => cleanup?.());

    // A filter of its own per query, so that no count is cached and every one runs its statements.
    let n = 0;
    const request = (orgId: string, pageSize = 128): QueryRequest => ({
      type: queryType('vm')!,
      scope: { kind: 'org', orgId },
      filter: `name!=*zz${n++}*;guestOs!=*q${n}*`,
      sort: { field: 'guestOs', direction: 'desc' },
      page: 1,
      pageSize,
    });

    test(
      'another organization is served in turn, and the event loop turns between queries',
      { skip: plan.backend !== 'sqlite' && 'SQLite runs its statements on the event loop; PostgreSQL runs several at once' },
      async () => {
        const done: string[] = [];
        const burst = Array.from({ length: 8 }, (_, i) => executeQuery(store, request(orgA)).then(() => done.push(`a${i}`)));
        const quiet = executeQuery(store, request(orgB)).then(() => done.push('b'));
        // Scheduled after all nine were started: until 2026-12-06 it ran only once every one of them had finished.
        const finishedAtFirstTurn = await new Promise<number>((resolve) => setImmediate(() => resolve(done.length)));
        await Promise.all([...burst, quiet]);
        assert.ok(finishedAtFirstTurn < 9, `the event loop turned only after all ${finishedAtFirstTurn} queries`);
        // Round robin: the running query of the busy org, its next one, then the quiet org's (it was the last one sent).
        assert.ok(done.indexOf('b') <= 2, `the quiet org's query finished at position ${done.indexOf('b')}: ${done.join(' ')}`);
      },
    );

    test('an organization past its line is refused with 503 and Retry-After; the others are answered', async () => {
      const slots = querySlots(store);
      assert.equal(slots.waiting, 0);
      const burst = Array.from({ length: QUERY_WAITING_PER_ORG + 12 }, () => executeQuery(store, request(orgA, 1)));
      const results = await Promise.allSettled(burst);
      const refused = results.filter((r) => r.status === 'rejected');
      assert.ok(refused.length >= 1, 'nothing was refused');
      for (const r of refused) {
        const err = (r as PromiseRejectedResult).reason;
        assert.ok(err instanceof TesseraError, String(err));
        assert.equal(err.status, 503);
        assert.equal(err.headers?.['Retry-After'], '1');
        assert.match(err.message, /Too many queries of this organization/);
      }
      assert.ok(results.filter((r) => r.status === 'fulfilled').length >= QUERY_WAITING_PER_ORG);
      // Another organization is not refused for the busy one's burst.
      assert.equal((await executeQuery(store, request(orgB, 1))).total, 50);
    });
  });
}
