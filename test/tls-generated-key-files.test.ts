/**
 * The generated self-signed pair in the data directory (src/tls.ts): the key is this user's alone whatever the
 * umask, a key left readable by others is narrowed, and a pair another local account could have planted (a data
 * directory others may write, files of another account, a symbolic link) is refused instead of served. Until
 * 2026-12-07 the pair was served as found: on PostgreSQL, where the store does not check the data directory, a key
 * planted in a shared directory was used, silently, and its owner could read every connection.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateCertificate, TlsMaterialError } from '../src/tls.js';

const modeOf = (path: string) => statSync(path).mode & 0o777;

function tempRoot(t: { after: (fn: () => void) => void }): string {
  const root = mkdtempSync(join(tmpdir(), 'tessera-tls-files-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  return root;
}

test('a new pair under umask 000: the directory 0700, the key 0600, the certificate 0644', async (t) => {
  const root = tempRoot(t);
  const previous = process.umask(0o000);
  t.after(() => process.umask(previous));
  const dir = join(root, 'data');
  const tls = await loadOrCreateCertificate(dir, '127.0.0.1');
  assert.equal(tls.created, true);
  assert.equal(modeOf(dir), 0o700);
  assert.equal(modeOf(join(dir, 'tls-key.pem')), 0o600);
  assert.equal(modeOf(join(dir, 'tls-cert.pem')), 0o644);
});

test('a key left readable by others is narrowed to 0600, and the same pair is served', async (t) => {
  const dir = join(tempRoot(t), 'data');
  const first = await loadOrCreateCertificate(dir, '127.0.0.1');
  chmodSync(join(dir, 'tls-key.pem'), 0o644);
  const again = await loadOrCreateCertificate(dir, '127.0.0.1');
  assert.equal(again.created, false);
  assert.equal(again.key, first.key);
  assert.equal(modeOf(join(dir, 'tls-key.pem')), 0o600);
});

test('a pair planted in a data directory others may write is refused, not served', async (t) => {
  const root = tempRoot(t);
  const source = join(root, 'attacker');
  await loadOrCreateCertificate(source, '127.0.0.1');
  const shared = join(root, 'shared');
  mkdirSync(shared);
  chmodSync(shared, 0o1777);
  for (const name of ['tls-key.pem', 'tls-cert.pem']) copyFileSync(join(source, name), join(shared, name));
  await assert.rejects(
    loadOrCreateCertificate(shared, '127.0.0.1'),
    (err: Error) =>
      err instanceof TlsMaterialError && /data directory .*shared is writable by other accounts \(mode 0777\)/.test(err.message),
  );
});

test('a symbolic link planted at the key is refused, and its target is left as it was', async (t) => {
  const root = tempRoot(t);
  const dir = join(root, 'data');
  mkdirSync(dir, { mode: 0o700 });
  const target = join(root, 'elsewhere.pem');
  symlinkSync(target, join(dir, 'tls-key.pem'));
  await assert.rejects(
    loadOrCreateCertificate(dir, '127.0.0.1'),
    (err: Error) => err instanceof TlsMaterialError && /tls-key\.pem is not a regular file/.test(err.message),
  );
  assert.equal(existsSync(target), false, 'nothing was written through the link');
  assert.ok(lstatSync(join(dir, 'tls-key.pem')).isSymbolicLink());
});

test('a key and certificate that are not a pair are refused with a message, not served', async (t) => {
  const root = tempRoot(t);
  const a = join(root, 'a');
  const b = join(root, 'b');
  await loadOrCreateCertificate(a, '127.0.0.1');
  await loadOrCreateCertificate(b, '127.0.0.1');
  copyFileSync(join(b, 'tls-cert.pem'), join(a, 'tls-cert.pem'));
  await assert.rejects(
    loadOrCreateCertificate(a, '127.0.0.1'),
    (err: Error) => err instanceof TlsMaterialError && /is not the key of the certificate/.test(err.message),
  );
});

test(
  'a key owned by another account is refused, even in a private directory',
  { skip: process.getuid?.() !== 0 ? 'needs root to give the file to another account (chown)' : false },
  async (t) => {
    const dir = join(tempRoot(t), 'data');
    await loadOrCreateCertificate(dir, '127.0.0.1');
    chownSync(join(dir, 'tls-key.pem'), 65534, 65534);
    await assert.rejects(
      loadOrCreateCertificate(dir, '127.0.0.1'),
      (err: Error) => err instanceof TlsMaterialError && /tls-key\.pem belongs to another account \(uid 65534\)/.test(err.message),
    );
  },
);
