/**
 * AuditLog's coalescing in isolation (src/auth/audit.ts): repeated refusals of one token become one counted
 * event per minute, different actors stay apart, and the in-memory maps stay at their caps however many distinct
 * tokens are refused or exchanged (a flood of made-up token ids must not grow the node's memory).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from '../../src/store/store.js';
import { AuditLog, MAX_EXCHANGE_KEYS, MAX_REFUSAL_KEYS } from '../../src/auth/audit.js';

function capturingStore() {
  const rows: Array<{ event_type: string; token_id: string | null; actor_id: string | null; details: string }> = [];
  const store = { appendAudit: async (row: (typeof rows)[number]) => void rows.push(row) } as unknown as Store;
  return { store, rows };
}

const quiet = { error() {} };
const settle = () => new Promise((r) => setImmediate(r));

test('100 refusals of one token for one reason: one event at once, one counting the other 99', async () => {
  const { store, rows } = capturingStore();
  const audit = new AuditLog(store, quiet);
  for (let i = 0; i < 100; i++) {
    audit.refused({
      type: 'apiToken.refused',
      outcome: 'failure',
      tokenId: 't1',
      actor: { id: 'u1', name: 'u' },
      details: { reason: 'revoked' },
    });
  }
  await settle();
  assert.equal(rows.length, 1);
  await audit.stop();
  assert.equal(rows.length, 2);
  assert.equal(JSON.parse(rows[1]!.details).repeated, 99);
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
