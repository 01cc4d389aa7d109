/**
 * `tessera admin backup|restore` on PostgreSQL refuse and give docs/operations.md's steps in brief. Until 2026-12-07
 * the advice was a bare `pg_dump --file=tessera.dump` (a 0644 file holding the signing key and every hash) and a
 * `pg_restore` with nothing after it: no schema check, and the restored signing key kept, so sessions from before the
 * restore, or from another copy of the dump, stayed valid.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from './run-cli.js';

test('backup and restore on PostgreSQL: a private dump, then check-schema and rotate-signing-key after pg_restore', async () => {
  for (const verb of ['backup', 'restore']) {
    const result = await runCli(['admin', verb, 'x.db', '--database-url', 'postgres://tessera@db.example:5432/tessera']);
    assert.equal(result.code, 2, result.stderr);
    const advice = result.stderr.replace(/\s+/g, ' ');
    assert.match(advice, /\(umask 077; pg_dump --format=custom --file=tessera\.dump "\$TESSERA_DATABASE_URL"\)/, verb);
    assert.match(
      advice,
      /pg_restore .* tessera\.dump, then tessera admin check-schema and tessera admin rotate-signing-key before starting the nodes/,
      verb,
    );
  }
});
