/**
 * FairSlots (domain/fair-slots.ts): costly work shared in turn between clients, so one client's flood delays another
 * by about one piece of work per flooding client, and refusals fall on the flooding client.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FairSlots } from '../../src/domain/fair-slots.js';

const refuse = () => new Error('busy');

/** Work that ends when the test says so, recording the order in which pieces started. */
function gate() {
  const started: string[] = [];
  const releases: Array<() => void> = [];
  const work = (name: string) => () =>
    new Promise<string>((resolve) => {
      started.push(name);
      releases.push(() => resolve(name));
    });
  const releaseOne = async () => {
    releases.shift()!();
    await new Promise((r) => setImmediate(r));
  };
  return { started, work, releaseOne };
}

test('a freed slot goes to the next client in turn, not to the first that queued', async () => {
  const slots = new FairSlots({ slots: 1, perClientWaiting: 10, maxClientsWaiting: 10 });
  const g = gate();
  const all: Array<Promise<string>> = [];
  all.push(slots.run('flood', g.work('flood-0'), refuse));
  for (let i = 1; i <= 5; i++) all.push(slots.run('flood', g.work(`flood-${i}`), refuse));
  all.push(slots.run('user', g.work('user'), refuse));
  assert.equal(slots.waiting, 6);
  for (let i = 0; i < 7; i++) await g.releaseOne();
  await Promise.all(all);
  // First come first served would have run the user's last: it runs second.
  assert.deepEqual(g.started.slice(0, 3), ['flood-0', 'flood-1', 'user']);
  assert.equal(slots.waiting, 0);
});

test('refusals: a client past its line, a new client when too many wait; the slots count stays right', async () => {
  const slots = new FairSlots({ slots: 2, perClientWaiting: 2, maxClientsWaiting: 2 });
  const g = gate();
  const running = [slots.run('a', g.work('a0'), refuse), slots.run('b', g.work('b0'), refuse)];
  const queued = [slots.run('a', g.work('a1'), refuse), slots.run('a', g.work('a2'), refuse), slots.run('b', g.work('b1'), refuse)];
  await assert.rejects(slots.run('a', g.work('a3'), refuse), /busy/, 'a third of a\u2019s waiting');
  await assert.rejects(slots.run('c', g.work('c0'), refuse), /busy/, 'a third client waiting');
  for (let i = 0; i < 5; i++) await g.releaseOne();
  await Promise.all([...running, ...queued]);
  assert.deepEqual(g.started, ['a0', 'b0', 'a1', 'b1', 'a2']);
  // All slots free again: two pieces start at once, nothing waits.
  const again = [slots.run('x', g.work('x'), refuse), slots.run('y', g.work('y'), refuse)];
  assert.equal(slots.waiting, 0);
  assert.deepEqual(g.started.slice(-2), ['x', 'y']);
  await g.releaseOne();
  await g.releaseOne();
  await Promise.all(again);
});

test('work that throws frees its slot', async () => {
  const slots = new FairSlots({ slots: 1, perClientWaiting: 1, maxClientsWaiting: 1 });
  await assert.rejects(
    slots.run('a', () => Promise.reject(new Error('boom')), refuse),
    /boom/,
  );
  assert.equal(await slots.run('a', () => Promise.resolve('ok'), refuse), 'ok');
});
