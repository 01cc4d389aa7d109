/**
 * "A write that returned success survives `kill -9` of the server" (issue 2 item 2), for both backends: a real
 * `tessera serve` child process takes a bounded burst of user creations, is killed with SIGKILL in the middle of
 * it, restarts on the same data dir (or database), and every user whose creation was acknowledged with 201 is
 * there.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { ADMIN_PASSWORD, DEMO_PASSWORD, createTestDatabase } from '../helpers/tessera.js';
import { bearer, http, signIn } from '../helpers/api.js';
import { bothBackends, reportUnavailable } from './backends.js';

const BURST = 80; // user creations attempted
const CONCURRENCY = 4;
const KILL_AFTER_ACKS = 20; // SIGKILL once this many were acknowledged, with more in flight

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

interface Child {
  process: ChildProcess;
  baseUrl: string;
  output: () => string;
}

/** Starts `tessera serve --http` and waits (bounded) for it to listen. */
async function serve(args: string[]): Promise<Child> {
  const port = await freePort();
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TESSERA_')));
  const child = spawn(
    process.execPath,
    ['bin/tessera.js', 'serve', '--http', '--host', '127.0.0.1', '--port', String(port), '--demo', '--log-level', 'warn', ...args],
    {
      env: { ...env, TESSERA_ADMIN_PASSWORD: ADMIN_PASSWORD, TESSERA_DEMO_PASSWORD: DEMO_PASSWORD },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tessera serve did not start within 60 s:\n${output}`)), 60_000);
    const check = () => {
      if (/Tessera is listening on/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`tessera serve exited with ${code} before listening:\n${output}`));
    });
  });
  return { process: child, baseUrl: `http://127.0.0.1:${port}`, output: () => output };
}

async function killHard(child: Child): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  const exited = new Promise((r) => child.process.once('exit', r));
  child.process.kill('SIGKILL');
  await exited;
}

for (const plan of bothBackends()) {
  if (reportUnavailable(plan, 'Durability after kill -9')) continue;

  describe(`durability on ${plan.backend}`, () => {
    test(`every acknowledged user survives kill -9 in the middle of a burst of ${BURST} creations`, { timeout: 180_000 }, async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'tessera-durability-'));
      const database = plan.backend === 'postgres' ? await createTestDatabase() : null;
      const storage = database ? ['--database-url', database.url, '--data-dir', dataDir] : ['--data-dir', dataDir];
      let first: Child | null = null;
      let second: Child | null = null;
      try {
        first = await serve(storage);
        const alice = await signIn(first.baseUrl, 'alice', 'acme', DEMO_PASSWORD);
        const roles = await http(`${first.baseUrl}/cloudapi/1.0.0/roles`, { headers: bearer(alice) });
        const roleId = (roles.json().values as Array<{ id: string; name: string }>).find((r) => r.name === 'vApp User')!.id;

        const acknowledged: string[] = [];
        let attempted = 0;
        let killed: Promise<void> | null = null;
        // The workers go on sending until the process is gone, not only until the kill is sent: a fast server could
        // otherwise answer every request already sent before SIGKILL landed, and none was in flight at the kill.
        let exited = false;
        const prefix = `d${randomUUID().slice(0, 6)}`;
        const worker = async () => {
          while (attempted < BURST && !exited) {
            const name = `${prefix}-${attempted++}`;
            try {
              const res = await http(`${first!.baseUrl}/cloudapi/1.0.0/users`, {
                method: 'POST',
                headers: { ...bearer(alice), 'Content-Type': 'application/json' },
                body: JSON.stringify({ username: name, password: `pw-${name}-long`, roleEntityRefs: [{ id: roleId }] }),
                signal: AbortSignal.timeout(30_000),
              });
              if (res.status === 201) {
                acknowledged.push(name);
                if (acknowledged.length >= KILL_AFTER_ACKS && killed === null) killed = killHard(first!).then(() => void (exited = true));
              } else {
                assert.fail(`unexpected ${res.status} creating ${name}: ${res.text}`);
              }
            } catch (err) {
              // A connection cut by the kill: that creation was never acknowledged.
              if (killed === null) throw err;
            }
          }
        };
        await Promise.all(Array.from({ length: CONCURRENCY }, worker));
        await (killed ?? killHard(first));
        assert.ok(acknowledged.length >= KILL_AFTER_ACKS, `${acknowledged.length} creations acknowledged before the kill`);
        assert.ok(attempted > acknowledged.length, 'some creations were in flight when the server was killed');

        second = await serve(storage);
        const alice2 = await signIn(second.baseUrl, 'alice', 'acme', DEMO_PASSWORD);
        const present = new Set<string>();
        for (let page = 1; ; page++) {
          const res = await http(`${second.baseUrl}/cloudapi/1.0.0/users?pageSize=128&page=${page}`, { headers: bearer(alice2) });
          assert.equal(res.status, 200, res.text);
          const body = res.json();
          for (const u of body.values as Array<{ username: string }>) present.add(u.username);
          if (page >= body.pageCount) break;
        }
        const lost = acknowledged.filter((n) => !present.has(n));
        assert.deepEqual(lost, [], `acknowledged but lost after kill -9: ${lost.join(', ')}`);
        // The survivors are whole: one of them can sign in with its password.
        const sample = acknowledged[acknowledged.length - 1]!;
        assert.ok((await signIn(second.baseUrl, sample, 'acme', `pw-${sample}-long`)).length > 32);
        process.stderr.write(
          `  (${plan.backend}: ${acknowledged.length} acknowledged, ${attempted} attempted, ${[...present].filter((n) => n.startsWith(prefix)).length} present after restart)\n`,
        );
      } finally {
        if (first) await killHard(first);
        if (second) await killHard(second);
        await database?.drop();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });
}
