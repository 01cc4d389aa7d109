/**
 * `tessera admin restore` lists the users whose TOTP enrolment changed since the backup (undoneSinceBackup). Keys
 * are stored sealed with a random IV, and a key an older version stored as it is gets sealed at the next start, so
 * the two files can hold one key in two forms: they are compared opened. Until 2026-12-06 the stored strings were
 * compared, and every user enrolled before the upgrade was listed as "TOTP enrolment changed" after a restore of a
 * backup taken before it.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { undoneSinceBackup } from '../../src/cli/signing-keys.js';
import { openTotpSecretWith, totpSealKeyOf } from '../../src/auth/recovery-codes.js';
import { createCipheriv } from 'node:crypto';

const serverKey = randomBytes(32);

function seal(userId: string, secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', totpSealKeyOf(serverKey), iv).setAAD(Buffer.from(userId, 'utf8'));
  const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return 'v1.' + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

function store(users: Array<{ id: string; name: string; secret: string | null }>): Database.Database {
  const db = new Database(':memory:');
  db.exec(`CREATE TABLE orgs (id TEXT PRIMARY KEY, name TEXT);
    CREATE TABLE users (id TEXT PRIMARY KEY, org_id TEXT, name TEXT, is_enabled INTEGER, password_hash TEXT, sessions_not_before INTEGER, totp_enabled INTEGER, totp_secret TEXT);
    CREATE TABLE api_tokens (id TEXT PRIMARY KEY, name TEXT, org_id TEXT, user_id TEXT, revoked_at INTEGER, revoked_by TEXT);
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);`);
  db.prepare("INSERT INTO orgs VALUES ('o1', 'acme')").run();
  db.prepare("INSERT INTO meta VALUES ('recovery_code_key', ?)").run(serverKey.toString('base64url'));
  for (const u of users) db.prepare("INSERT INTO users VALUES (?, 'o1', ?, 1, 'h', 0, 1, ?)").run(u.id, u.name, u.secret);
  return db;
}

describe('restore: TOTP enrolments compared by key, not by stored form', () => {
  test('a key sealed since the backup is not a change; a new key is', async () => {
    const same = 'JBSWY3DPEHPK3PXP';
    const restored = store([
      { id: 'u1', name: 'alice', secret: same }, // the backup: stored as an older version did
      { id: 'u2', name: 'bob', secret: seal('u2', 'AAAABBBBCCCCDDDD') },
      { id: 'u3', name: 'carol', secret: seal('u3', 'EEEEFFFFGGGGHHHH') },
    ]);
    const kept = store([
      { id: 'u1', name: 'alice', secret: seal('u1', same) }, // sealed at a start since: the same key
      { id: 'u2', name: 'bob', secret: seal('u2', 'AAAABBBBCCCCDDDD') }, // the same key sealed again (another IV)
      { id: 'u3', name: 'carol', secret: seal('u3', 'IIIIJJJJKKKKLLLL') }, // enrolled again: another key
    ]);
    assert.equal(
      openTotpSecretWith(
        totpSealKeyOf(serverKey),
        'u1',
        kept.prepare("SELECT totp_secret FROM users WHERE id = 'u1'").pluck().get() as string,
      ),
      same,
    );
    assert.deepEqual((await undoneSinceBackup(kept, restored)).totpChanged, ['carol@acme']);
  });
});
