/**
 * AuditLog's coalescing in isolation (src/auth/audit.ts): repeated refusals of one token become one counted
 * event per minute, different actors stay apart, and the in-memory maps stay at their caps however many distinct
 * tokens are refused or exchanged (a flood of made-up token ids must not grow the node's memory).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from '../../src/store/store.js';
import { AuditLog, MAX_EXCHANGE_KEYS, MAX_REFUSAL_KEYS, MAX_UNWRITTEN } from '../../src/auth/audit.js';

function capturingStore() {
  const rows: Array<{ event_type: string; token_id: string | null; actor_id: string | null; details: string }> = [];
  const store = { appendAudit: async (row: (typeof rows)[number]) => void rows.push(row) } as unknown as Store;
  return { store, rows };
}

const quiet = { error() {} };
const settle = () => new Promise((r) => setImmediate(r));

/** A refusal of token t1 for being revoked, as the exchange reports one. */
const revokedTokenRefusal = () =>
  ({
    type: 'apiToken.refused',
    outcome: 'failure',
    tokenId: 't1',
    actor: { id: 'u1', name: 'u' },
    details: { reason: 'revoked' },
  }) as const;

test('100 refusals of one token for one reason: one event at once, one counting the other 99', async () => {
  const { store, rows } = capturingStore();
  const audit = new AuditLog(store, quiet);
  for (let i = 0; i < 100; i++) {
    audit.refused(revokedTokenRefusal());
  }
  await settle();
  assert.equal(rows.length, 1);
  await audit.stop();
  assert.equal(rows.length, 2);
  assert.equal(JSON.parse(rows[1]!.details).repeated, 99);
});

test('stop() waits for the writes started off the request path: a first refusal still being written is in the table', async () => {
  // A store slow to take each row (a busy PostgreSQL): until 2026-12-08 stop() returned while the first refusal's
  // write was in flight, and the store closed under it, so the event went to the log instead of the table.
  const rows: string[] = [];
  const slowStore = {
    appendAudit: async (row: { event_type: string }) => {
      await new Promise((r) => setTimeout(r, 50));
      rows.push(row.event_type);
    },
  } as unknown as Store;
  const audit = new AuditLog(slowStore, quiet);
  audit.refused(revokedTokenRefusal());
  audit.recordDetached({ type: 'serviceAccount.retried', actor: { id: 'a1', name: 'a' }, details: {} });
  assert.deepEqual(rows, [], 'still in flight');
  await audit.stop();
  assert.deepEqual(rows.sort(), ['apiToken.refused', 'serviceAccount.retried']);
});

test('refusals of one token id for two actors (a client_id is no secret) are two events', async () => {
  const { store, rows } = capturingStore();
  const audit = new AuditLog(store, quiet);
  for (const actor of ['u1', 'u2', 'u1', 'u2']) {
    audit.refused({
      type: 'apiToken.refused',
      outcome: 'failure',
      tokenId: 'c1',
      actor: { id: actor, name: actor },
      details: { reason: 'x' },
    });
  }
  await audit.stop();
  assert.deepEqual(rows.map((r) => r.actor_id).sort(), ['u1', 'u1', 'u2', 'u2']);
  assert.ok(rows.filter((r) => JSON.parse(r.details).repeated === 1).length === 2, 'each actor has its own count');
});

test('the refusal map stays at its cap under a flood of distinct tokens, and every first refusal is written', async () => {
  const { store, rows } = capturingStore();
  const audit = new AuditLog(store, quiet);
  const distinct = MAX_REFUSAL_KEYS + 1_000;
  for (let i = 0; i < distinct; i++)
    audit.refused({ type: 'apiToken.refused', outcome: 'failure', tokenId: `t${i}`, details: { reason: 'revoked' } });
  const refusals = (audit as unknown as { refusals: Map<string, unknown> }).refusals;
  assert.ok(refusals.size <= MAX_REFUSAL_KEYS, `refusal keys ${refusals.size} > ${MAX_REFUSAL_KEYS}`);
  await audit.stop();
  assert.equal(rows.length, distinct);
});

test('acts counted without a first write (sign-outs of token sessions): one event per key when the window ends, with count, first and last', async () => {
  const { store, rows } = capturingStore();
  const audit = new AuditLog(store, quiet);
  const signOut = (tokenId: string) =>
    audit.coalesce(
      `session.deleted|${tokenId}|u1|10.0.0.1|success`,
      { type: 'session.deleted', actor: { id: 'u1', name: 'u' }, tokenId, ip: '10.0.0.1', details: { kind: 'api_token' } },
      { writeFirst: false },
    );
  for (let i = 0; i < 50; i++) signOut('t1');
  signOut('t2');
  await settle();
  assert.equal(rows.length, 0, 'nothing is written before the window ends');
  await (audit as unknown as { flushRefusals(now: number): Promise<void> }).flushRefusals(Date.now() + 61_000);
  assert.equal(rows.length, 2);
  const one = JSON.parse(rows.find((r) => r.token_id === 't1')!.details);
  assert.equal(one.count, 50);
  assert.equal(one.kind, 'api_token');
  assert.equal(one.repeated, undefined, 'no first event was written: nothing is "repeated"');
  assert.ok(Date.parse(one.first) <= Date.parse(one.last));
  assert.equal(JSON.parse(rows.find((r) => r.token_id === 't2')!.details).count, 1, 'a lone act is written too');
  await audit.stop();
  assert.equal(rows.length, 2, 'written once');
});

test('a refusal window also says its count, first and last beside repeated and since', async () => {
  const { store, rows } = capturingStore();
  const audit = new AuditLog(store, quiet);
  for (let i = 0; i < 20; i++)
    audit.refused({ type: 'apiToken.refused', outcome: 'failure', tokenId: 't1', details: { reason: 'revoked' } });
  await audit.stop();
  assert.equal(rows.length, 2);
  const window = JSON.parse(rows[1]!.details);
  assert.equal(window.count, 20);
  assert.equal(window.repeated, 19);
  assert.equal(window.since, window.first);
  assert.ok(Date.parse(window.first) <= Date.parse(window.last));
});

test('the coalescing map stays at its cap under a flood of distinct counted keys, and no act is lost', async () => {
  const { store, rows } = capturingStore();
  const audit = new AuditLog(store, quiet);
  const distinct = MAX_REFUSAL_KEYS + 1_000;
  for (let i = 0; i < distinct; i++)
    for (let j = 0; j < 2; j++) audit.coalesce(`k${i}`, { type: 'session.deleted', tokenId: `t${i}` }, { writeFirst: false });
  const refusals = (audit as unknown as { refusals: Map<string, unknown> }).refusals;
  assert.ok(refusals.size <= MAX_REFUSAL_KEYS, `keys ${refusals.size} > ${MAX_REFUSAL_KEYS}`);
  await audit.stop();
  assert.equal(
    rows.reduce((n, r) => n + Number(JSON.parse(r.details).count), 0),
    distinct * 2,
  );
});

test('the exchange coalescing map stays at its cap', () => {
  const { store } = capturingStore();
  const audit = new AuditLog(store, quiet);
  for (let i = 0; i < MAX_EXCHANGE_KEYS + 5_000; i++) audit.exchanged({ tokenId: `t${i}` });
  const last = (audit as unknown as { lastExchangeLogged: Map<string, number> }).lastExchangeLogged;
  assert.ok(last.size <= MAX_EXCHANGE_KEYS + 1, `exchange keys ${last.size}`);
});

test('the exchange coalescing memory forgets tokens not exchanged for a minute at each periodic flush', async () => {
  const { store } = capturingStore();
  const audit = new AuditLog(store, quiet);
  for (let i = 0; i < 1_000; i++) audit.exchanged({ tokenId: `t${i}` });
  const last = (audit as unknown as { lastExchangeLogged: Map<string, number> }).lastExchangeLogged;
  assert.equal(last.size, 1_000);
  await (audit as unknown as { flushRefusals(now: number): Promise<void> }).flushRefusals(Date.now() + 61_000);
  assert.equal(last.size, 0);
});

/** A store that refuses every write while `down` is set (PostgreSQL gone, a full disk), as its errors look. */
function flakyStore() {
  const rows: Array<{ at: number; event_type: string; details: string }> = [];
  const state = { down: true };
  const refuse = () => {
    if (state.down) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  };
  const store = {
    db: {},
    appendAudit: async (row: (typeof rows)[number]) => {
      refuse();
      rows.push(row);
    },
    appendAuditBatch: async (batch: Array<(typeof rows)[number]>) => {
      refuse();
      rows.push(...batch);
    },
  } as unknown as Store;
  return { store, rows, state };
}

test('events the store refused are kept and written once it takes writes again, with the time of the act, in order', async () => {
  // Until 2026-12-05 a refused write was dropped: a sign-in granted while PostgreSQL was away left no trace.
  const { store, rows, state } = flakyStore();
  const errors: Array<{ o: Record<string, unknown>; m: string }> = [];
  const infos: string[] = [];
  const audit = new AuditLog(store, {
    error: (o, m) => void errors.push({ o: o as Record<string, unknown>, m }),
    info: (_o, m) => void infos.push(m),
  });
  await audit.record({ type: 'session.created', actor: { id: 'u1', name: 'hank' }, ip: '10.0.0.1' });
  audit.exchanged({ tokenId: 't1', actor: { id: 'u1', name: 'hank' } });
  await audit.record({ type: 'session.refused', outcome: 'failure', actor: { id: 'u1', name: 'hank' } });
  await new Promise((r) => setTimeout(r, 1_200)); // the exchange batch's second
  assert.equal(rows.length, 0);
  assert.equal(audit.unwrittenCount(), 3);
  assert.ok(errors.every((e) => e.m === 'audit write failed; kept to retry'));
  state.down = false;
  await new Promise((r) => setTimeout(r, 2_500)); // the next retry
  assert.deepEqual(
    rows.map((r) => r.event_type),
    ['session.created', 'session.refused', 'apiToken.exchanged'],
  );
  assert.equal(audit.unwrittenCount(), 0);
  // The failure was logged, and so is its end (until 2026-12-06 the log ended on "kept to retry").
  assert.deepEqual(infos, ['audit events kept after a failed write are written now']);
  await audit.stop();
});

test('a stop while the store still refuses logs each kept event whole (no secret is in one), and nothing waits', async () => {
  const { store, state } = flakyStore();
  const lost: Array<Record<string, unknown>> = [];
  const audit = new AuditLog(store, { error: (o, m) => void (m === 'audit event not written' && lost.push(o as Record<string, unknown>)) });
  await audit.record({ type: 'apiToken.revoked', actor: { id: 'u1', name: 'alice' }, tokenId: 't9', details: { by: 'alice' } });
  await audit.stop();
  assert.equal(state.down, true);
  assert.equal(lost.length, 1);
  const event = lost[0]!.event as Record<string, unknown>;
  assert.equal(event.event_type, 'apiToken.revoked');
  assert.equal(event.actor_name, 'alice');
  assert.equal(event.token_id, 't9');
  assert.deepEqual(event.details, { by: 'alice' });
  assert.match(String(event.at), /^\d{4}-\d\d-\d\dT/);
  assert.equal(audit.unwrittenCount(), 0);
});

test(`at most ${MAX_UNWRITTEN} events wait for the store; the oldest beyond go to the log whole`, async () => {
  const { store } = flakyStore();
  const lost: string[] = [];
  const audit = new AuditLog(store, {
    error: (o, m) => void (m === 'audit event not written' && lost.push(String((o as { event: { actor_id: string } }).event.actor_id))),
  });
  for (let i = 0; i < MAX_UNWRITTEN + 5; i++)
    await audit.record({ type: 'session.refused', outcome: 'failure', actor: { id: `u${i}`, name: 'x' } });
  assert.equal(audit.unwrittenCount(), MAX_UNWRITTEN);
  assert.deepEqual(lost, ['u0', 'u1', 'u2', 'u3', 'u4']);
  await audit.stop();
});

test('a refusal that is no "not now" (a constraint, a bug) is not retried for ever: the event goes to the log at once', async () => {
  const lost: string[] = [];
  const store = {
    db: {},
    appendAudit: async () => {
      throw Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' });
    },
  } as unknown as Store;
  const audit = new AuditLog(store, { error: (o, m) => void (m === 'audit event not written' && lost.push((o as { why: string }).why)) });
  await audit.record({ type: 'session.created', actor: { id: 'u1', name: 'hank' } });
  assert.equal(audit.unwrittenCount(), 0);
  assert.deepEqual(lost, ['the store refused it: duplicate key value violates unique constraint']);
  await audit.stop();
});
