/**
 * A database that is away or too slow is "retry shortly" (503 with Retry-After), not a bug (500): the classifier
 * and the error handler's mapping, with errors shaped as pg, node and better-sqlite3 raise them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isStoreWriteRefusal, isTransientStoreError } from '../../src/store/transient-errors.js';
import { toTesseraError } from '../../src/http/error-handler.js';

const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code, severity: 'ERROR' });

test('transient: statement timeout, shutdown, connection loss, pool wait, busy SQLite', () => {
  for (const e of [
    pgError('57014', 'canceling statement due to statement timeout'),
    pgError('57P01', 'terminating connection due to administrator command'),
    pgError('53300', 'sorry, too many clients already'),
    pgError('40001', 'could not serialize access'),
    Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    new Error('timeout exceeded when trying to connect'),
    new Error('Connection terminated unexpectedly'),
    new Error('Query read timeout'),
    Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }),
  ]) {
    assert.equal(isTransientStoreError(e), true, e.message);
    const mapped = toTesseraError(e);
    assert.equal(mapped.status, 503, e.message);
    assert.equal(mapped.headers['Retry-After'], '5');
    assert.doesNotMatch(mapped.message, /ECONNREFUSED|5432|statement/, 'no internals in the answer');
  }
});

test('a constraint violation is the loser of a race: the answer its own check would have given, not a 500', () => {
  for (const e of [
    pgError('23505', 'duplicate key value violates unique constraint "roles_org_name"'),
    Object.assign(new Error('UNIQUE constraint failed: roles.org_id, roles.name_lower'), { code: 'SQLITE_CONSTRAINT_UNIQUE' }),
  ]) {
    assert.equal(isTransientStoreError(e), false, e.message);
    const mapped = toTesseraError(e);
    assert.equal(mapped.status, 400, e.message);
    assert.equal(mapped.minorErrorCode, 'DUPLICATE_NAME');
    assert.doesNotMatch(mapped.message, /roles_org_name|UNIQUE/, 'no internals in the answer');
  }
  for (const e of [
    pgError('23503', 'insert or update on table "groups" violates foreign key constraint "groups_role_id_fkey"'),
    Object.assign(new Error('FOREIGN KEY constraint failed'), { code: 'SQLITE_CONSTRAINT_FOREIGNKEY' }),
  ]) {
    const mapped = toTesseraError(e);
    assert.equal(mapped.status, 400, e.message);
    assert.match(mapped.message, /deleted by another request/);
  }
  // A delete refused because the row was given to something meanwhile (a role assigned while it was deleted): said so,
  // not "deleted" (until 2026-12-06).
  const stillUsed = toTesseraError(
    pgError('23503', 'update or delete on table "roles" violates foreign key constraint "users_role_id_fkey" on table "users"'),
  );
  assert.equal(stillUsed.status, 400);
  assert.match(stillUsed.message, /in use: another request assigned or attached it at the same moment; nothing was deleted/);
  assert.doesNotMatch(stillUsed.message, /roles|users_role_id_fkey/);
});

test('not transient: syntax errors, plain bugs stay 500', () => {
  for (const e of [
    pgError('42601', 'syntax error at or near'),
    new TypeError("Cannot read properties of undefined (reading 'id')"),
    'a string',
    null,
  ]) {
    assert.equal(isTransientStoreError(e), false, String(e));
    assert.equal(toTesseraError(e).status, 500);
  }
});

test('a store that cannot write (full disk, read-only, I/O error, a read-only PostgreSQL) is 503, not a 500 bug', () => {
  for (const e of [
    Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }),
    Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR_WRITE' }),
    Object.assign(new Error('attempt to write a readonly database'), { code: 'SQLITE_READONLY' }),
    pgError('53100', 'could not extend file: No space left on device'),
    pgError('25006', 'cannot execute INSERT in a read-only transaction'),
  ]) {
    assert.equal(isStoreWriteRefusal(e), true, e.message);
    const mapped = toTesseraError(e);
    assert.equal(mapped.status, 503, e.message);
    assert.match(mapped.message, /cannot write/);
    assert.ok(Number(mapped.headers['Retry-After']) > 0);
  }
  for (const e of [pgError('23505'), Object.assign(new Error('constraint'), { code: 'SQLITE_CONSTRAINT_UNIQUE' }), pgError('53300')]) {
    assert.equal(isStoreWriteRefusal(e), false, e.message);
  }
});
