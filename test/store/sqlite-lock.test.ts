/**
 * One server per SQLite file (src/store/sqlite-lock.ts): a second store, server, `tessera serve` or
 * `tessera seed` on a data dir in use is refused with a message naming the holder (pid, host) and PostgreSQL;
 * the lock is free again once the holder stops, or dies (kill -9): no stale lock survives its process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirLockedError, lockSqliteFile, ownerFileOf } from '../../src/store/sqlite-lock.js';
import { startTessera } from '../helpers/tessera.js';

const IN_USE = /tessera\.db is in use by another Tessera server \(pid (\d+) on host ([^,]+), started [^)]+\)/;

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-lock-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('a second lock on one file is refused, naming the holder; released, it can be taken again', (t) => {
  const file = join(tempDir(t), 'tessera.db');
  const first = lockSqliteFile(file);
  assert.throws(
    () => lockSqliteFile(file),
    (err: unknown) => {
      assert.ok(err instanceof DataDirLockedError);
      const m = IN_USE.exec(err.message);
      assert.ok(m, err.message);
      assert.equal(Number(m[1]), process.pid);
      assert.equal(m[2], hostname());
      assert.match(err.message, /One server per SQLite file/);
      assert.match(err.message, /use PostgreSQL \(--database-url \/ TESSERA_DATABASE_URL\)/);
      // What to do, as docs/operations.md's Troubleshooting says it (until 2026-12-07 the message left out --data-dir).
      assert.match(err.message, /Stop that server first, or give this one another --data-dir \(a store of its own\)/);
      return true;
    },
  );
  first.release();
  assert.ok(!existsSync(ownerFileOf(file)), 'the owner file goes with the lock');
  lockSqliteFile(file).release();
});

test('a symbolic link planted where the owner note is written is not followed: its target is untouched', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'tessera.db');
  const victim = join(dir, 'victim.txt');
  writeFileSync(victim, "not the lock's to write\n");
  // Until 2026-12-07 the note went to `tessera.db.lock.json.<pid>.tmp` through writeFileSync, which follows a link
  // there (into any file the server's account may write), and the rename then put the link in the owner file's place.
  const planted = `${ownerFileOf(file)}.${process.pid}.tmp`;
  symlinkSync(victim, planted);
  const lock = lockSqliteFile(file);
  t.after(() => lock.release());
  assert.equal(readFileSync(victim, 'utf8'), "not the lock's to write\n");
  assert.ok(lstatSync(ownerFileOf(file)).isFile(), 'the owner file is a file of its own, not the link');
  assert.equal(JSON.parse(readFileSync(ownerFileOf(file), 'utf8')).pid, process.pid);
  assert.ok(lstatSync(planted).isSymbolicLink(), 'the planted link left as it was');
  assert.deepEqual(
    readdirSync(dir).filter((name) => name.endsWith('.tmp')),
    [`tessera.db.lock.json.${process.pid}.tmp`],
    'no temporary file of its own left behind',
  );
});

test('an owner file that cannot be removed (a data dir gone read-only) does not fail the release: the lock is freed', (t) => {
  const file = join(tempDir(t), 'tessera.db');
  const first = lockSqliteFile(file);
  // Stand-in for EROFS (root may unlink in a read-only directory's place): a non-empty directory, which rmSync refuses.
  rmSync(ownerFileOf(file));
  mkdirSync(ownerFileOf(file));
  writeFileSync(join(ownerFileOf(file), 'x'), 'x');
  assert.doesNotThrow(() => first.release(), 'until 2026-12-05 this threw, and SIGTERM crashed with a stack trace');
  rmSync(ownerFileOf(file), { recursive: true });
  lockSqliteFile(file).release();
});

test('a second server on the same data dir fails with the message; after the first stops, a new one starts', async (t) => {
  const dataDir = tempDir(t);
  const first = await startTessera({ backend: 'sqlite', dataDir });
  let firstStopped = false;
  t.after(async () => {
    if (!firstStopped) await first.stop();
  });
  await assert.rejects(startTessera({ backend: 'sqlite', dataDir, demo: false }), (err: unknown) => {
    assert.ok(err instanceof DataDirLockedError);
    assert.match(err.message, IN_USE);
    return true;
  });
  // The refused start left the first server untouched.
  assert.equal((await fetch(`${first.baseUrl}/health`)).status, 200);
  await first.stop();
  firstStopped = true;
  const second = await startTessera({ backend: 'sqlite', dataDir });
  t.after(() => second.stop());
  assert.equal((await fetch(`${second.baseUrl}/health`)).status, 200);
});

/**
 * A child process that takes the lock and drops the handle (after running the garbage collector), says so, and
 * waits. Killed when the test ends, however it ends: until 2026-12-08 a failed assertion left it running, and its
 * test file, waiting on it, never ended (a whole CI run's time).
 */
async function lockHolder(t: { after(fn: () => void): void }, file: string) {
  const child = spawn(
    process.execPath,
    [
      '--expose-gc',
      '--import',
      'tsx',
      '-e',
      `import('./src/store/sqlite-lock.ts').then(async (m) => { m.lockSqliteFile(${JSON.stringify(file)}); for (let i = 0; i < 3; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 20)); } console.log('locked'); setInterval(() => {}, 1000); })`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d) => String(d).includes('locked') && resolve());
    child.once('exit', (code) => reject(new Error(`the lock holder exited early (${code})`)));
  });
  return child;
}

test(
  'a lock whose handle its taker dropped is still held after a garbage collection, until the process ends',
  { timeout: 60_000 },
  async (t) => {
    // better-sqlite3 closes a connection the collector finalizes, and the OS lock went with it: a Node 24 run
    // (2026-12-08) took a second lock on a file whose holder was alive.
    const file = join(tempDir(t), 'tessera.db');
    const child = await lockHolder(t, file);
    assert.throws(
      () => lockSqliteFile(file),
      (err: unknown) => err instanceof DataDirLockedError && err.owner?.pid === child.pid,
    );
  },
);

test('a lock left by a killed process (kill -9) and a stale owner file are taken over', { timeout: 60_000 }, async (t) => {
  const dataDir = tempDir(t);
  const file = join(dataDir, 'tessera.db');
  // A child takes the lock, says so, and is killed without any chance to clean up.
  const child = await lockHolder(t, file);
  assert.throws(
    () => lockSqliteFile(file),
    (err: unknown) => err instanceof DataDirLockedError && err.owner?.pid === child.pid,
  );
  const exited = new Promise((r) => child.once('exit', r));
  process.kill(child.pid!, 'SIGKILL');
  await exited;
  const leftover = JSON.parse(readFileSync(ownerFileOf(file), 'utf8')) as { pid: number };
  assert.equal(leftover.pid, child.pid, 'the dead holder left its owner file behind');

  const server = await startTessera({ backend: 'sqlite', dataDir });
  t.after(() => server.stop());
  assert.equal((await fetch(`${server.baseUrl}/health`)).status, 200);
  assert.equal((JSON.parse(readFileSync(ownerFileOf(file), 'utf8')) as { pid: number }).pid, process.pid);
});

test('an owner file naming a dead pid, with no lock held, does not block a start', async (t) => {
  const dataDir = tempDir(t);
  writeFileSync(ownerFileOf(join(dataDir, 'tessera.db')), JSON.stringify({ pid: 999_999, host: hostname(), startedAt: 'x' }));
  const server = await startTessera({ backend: 'sqlite', dataDir });
  t.after(() => server.stop());
  assert.equal((await fetch(`${server.baseUrl}/health`)).status, 200);
});

test('tessera serve and tessera seed on a data dir in use exit 1 with the message', { timeout: 120_000 }, async (t) => {
  const dataDir = tempDir(t);
  const running = await startTessera({ backend: 'sqlite', dataDir });
  t.after(() => running.stop());
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TESSERA_')));
  for (const args of [
    ['serve', '--http', '--port', '0', '--data-dir', dataDir],
    ['seed', '--vms', '1', '--data-dir', dataDir],
  ]) {
    const r = spawnSync(process.execPath, ['bin/tessera.js', ...args], { env, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 1, `${args[0]}: ${r.stderr}`);
    const m = IN_USE.exec(r.stderr);
    assert.ok(m, `${args[0]}: ${r.stderr}`);
    assert.equal(Number(m[1]), process.pid);
    assert.match(r.stderr, /PostgreSQL/);
    assert.doesNotMatch(r.stderr, /listening|\n\s+at /, `${args[0]}: no start and no stack trace`);
  }
});
