/**
 * `tessera admin restore` of a backup someone else could have changed: a trigger or a view that Tessera's schema at
 * the backup's migration level does not have is refused (exit 2) before anything is written, since a trigger runs on
 * every write the server makes (one re-setting a password hash outlives `reset-password`). Until 2026-12-07 only the
 * tables, the migrations and SQLite's integrity check were looked at. A backup Tessera made restores as before.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { runBackup } from '../../src/cli/store-admin.js';
import { runCli } from './run-cli.js';

test('a backup with a planted trigger is refused, and a clean one restores', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'tessera-restore-foreign-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const live = join(root, 'live');
  await (await openSqliteStore(join(live, 'tessera.db'))).close();
  const clean = join(root, 'clean.db');
  await runBackup(clean, { dataDir: live });
  const crafted = join(root, 'crafted.db');
  await runBackup(crafted, { dataDir: live });
  const db = new Database(crafted);
  db.exec("CREATE TRIGGER keep_my_hash AFTER UPDATE ON users BEGIN UPDATE users SET password_hash = 'known' WHERE id = NEW.id; END");
  db.exec('CREATE VIEW everything AS SELECT * FROM meta');
  db.close();

  const target = join(root, 'target');
  const refused = await runCli(['admin', 'restore', crafted, '--data-dir', target]);
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /is not a backup Tessera made: it holds trigger keep_my_hash, view everything/);
  assert.match(refused.stderr, /restore only backups you made/);
  assert.equal(existsSync(join(target, 'tessera.db')), false, 'nothing was restored');

  const restored = await runCli(['admin', 'restore', clean, '--data-dir', target]);
  assert.equal(restored.code, 0, restored.stderr);
  assert.ok(existsSync(join(target, 'tessera.db')));
});
