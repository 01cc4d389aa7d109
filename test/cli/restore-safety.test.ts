/**
 * What a restore brings back, and `tessera admin rotate-signing-key` (the binary, in a child process).
 *
 * Until 2026-12-06 a restore kept the backup's signing key: every session signed before it kept working (of tokens
 * revoked since, of signed-out users, of API tokens made after the backup, whose rows are gone), and two copies
 * restored from one backup accepted each other's sessions. The store's key could not be rotated at all.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { hash } from '@node-rs/argon2';
import { startTessera, createTestDatabase, ADMIN_PASSWORD, DEMO_PASSWORD, type TesseraHandle } from '../helpers/tessera.js';
import { spawnSync } from 'node:child_process';
import { basic, bearer, createApiToken, exchange, http, signIn } from '../helpers/api.js';
import { runCli } from './run-cli.js';
import { RecoveryCodeService } from '../../src/auth/recovery-codes.js';
import { reportUnavailable, selectedBackends } from '../store/backends.js';

const plans = selectedBackends();
const onSqlite = plans.some((p) => p.backend === 'sqlite');
const postgres = plans.find((p) => p.backend === 'postgres');
const onPostgres = postgres !== undefined && !reportUnavailable(postgres, 'tessera admin rotate-signing-key');

const dirs: string[] = [];
const freshDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-restore-'));
  dirs.push(dir);
  return dir;
};
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const status = async (base: string, token: string) =>
  (await http(`${base}/cloudapi/1.0.0/sessions/current`, { headers: bearer(token) })).status;
const legacyStatus = async (base: string, id: string) =>
  (await http(`${base}/api/org`, { headers: { 'x-vcloud-authorization': id, Accept: 'application/*+xml;version=36.1' } })).status;

async function legacySignIn(base: string): Promise<string> {
  const res = await http(`${base}/api/sessions`, {
    method: 'POST',
    headers: { Authorization: basic('bob', 'acme', DEMO_PASSWORD), Accept: 'application/*+xml;version=36.1' },
  });
  assert.equal(res.status, 200, res.text);
  return res.headers.get('x-vcloud-authorization')!;
}

interface RotationEvent {
  eventType: string;
  user: unknown;
  org: unknown;
  timestamp: string;
  details: Record<string, unknown>;
}

/** The `signingKey.rotated` events, as a System administrator reads them in the audit API (newest first). */
async function rotationEvents(base: string): Promise<RotationEvent[]> {
  const admin = await signIn(base, 'administrator', 'System', ADMIN_PASSWORD);
  const res = await http(`${base}/cloudapi/1.0.0/auditTrail?filter=${encodeURIComponent('eventType==signingKey.rotated')}`, {
    headers: bearer(admin),
  });
  assert.equal(res.status, 200, res.text);
  return (JSON.parse(res.text) as { values: RotationEvent[] }).values;
}

/** Who rotated, from where, and why: the OS user and the host of the command. */
function assertRotatedBy(event: RotationEvent | undefined, via: string, reason: string | null): void {
  assert.ok(event, 'a signingKey.rotated event');
  assert.equal(event.user, null, 'no Tessera user: the command works on the store');
  assert.equal(event.details.via, via);
  assert.equal(event.details.reason, reason);
  assert.equal(event.details.osUser, userInfo().username);
  assert.equal(event.details.host, hostname());
  assert.equal(typeof event.details.pid, 'number');
}

/** After a restore with --revoke-again: the token revoked after the backup is refused, the kept one still works, and
 * the revocation is audited with the command that made it. */
async function assertRevokedAgain(
  back: TesseraHandle,
  doomed: { apiToken: string; clientId: string },
  kept: { apiToken: string },
  via: RegExp,
): Promise<void> {
  assert.notEqual((await exchange(back.baseUrl, 'acme', doomed.apiToken)).status, 200, 'revoked again');
  assert.equal((await exchange(back.baseUrl, 'acme', kept.apiToken)).status, 200);
  const events = await back.store.db
    .selectFrom('audit_events')
    .selectAll()
    .where('event_type', '=', 'apiToken.revoked')
    .where('token_id', '=', doomed.clientId)
    .execute();
  assert.ok(
    events.some((e) => via.test(e.details)),
    'the revocation is audited',
  );
}

async function accessToken(base: string, org: string, apiToken: string): Promise<string> {
  const res = await exchange(base, org, apiToken);
  assert.equal(res.status, 200, res.text);
  return (JSON.parse(res.text) as { access_token: string }).access_token;
}

describe(
  'tessera admin restore: a new signing key, and what was undone',
  { skip: !onSqlite && 'SQLite only (TESSERA_TEST_BACKEND=postgres)' },
  () => {
    test('sessions from before the restore and from another copy of the backup are refused; API tokens and recovery codes work', async () => {
      const live = freshDir();
      const tessera = await startTessera({ backend: 'sqlite', dataDir: live });
      let stopped = false;
      try {
        const base = tessera.baseUrl;
        const alice = await signIn(base, 'alice', 'acme', DEMO_PASSWORD);
        const legacy = await legacySignIn(base);
        const kept = await createApiToken(base, alice, 'acme', 'kept');
        const doomed = await createApiToken(base, alice, 'acme', 'revoked-after-backup');
        const aliceUser = (await tessera.store.getUserByName((await tessera.store.getOrgByName('acme'))!.id, 'alice'))!;
        const codes = await new RecoveryCodeService({ store: tessera.store }).issue(aliceUser.id);

        const backupFile = join(freshDir(), 'nightly.db');
        const backup = await runCli(['admin', 'backup', backupFile, '--data-dir', live]);
        assert.equal(backup.code, 0, backup.stderr);

        // After the backup: a session of the doomed token, then its revocation; a token made after the backup.
        const doomedSession = await accessToken(base, 'acme', doomed.apiToken);
        assert.equal(
          (await http(`${base}/cloudapi/1.0.0/tokens/${doomed.tokenId}`, { method: 'DELETE', headers: bearer(alice) })).status,
          204,
        );
        const later = await createApiToken(base, alice, 'acme', 'made-after-backup');
        const laterSession = await accessToken(base, 'acme', later.apiToken);
        assert.equal(await status(base, laterSession), 200);
        await tessera.stop();
        stopped = true;

        // A second copy of the same backup (staging), then the restore over the live store.
        const staging = freshDir();
        const toStaging = await runCli(['admin', 'restore', backupFile, '--data-dir', staging]);
        assert.equal(toStaging.code, 0, toStaging.stderr);
        assert.doesNotMatch(toStaging.stderr, /API token\(s\) revoked/, 'nothing to compare with in an empty directory');
        const restored = await runCli(['admin', 'restore', backupFile, '--data-dir', live]);
        assert.equal(restored.code, 0, restored.stderr);
        const back = await startTessera({ backend: 'sqlite', dataDir: live });
        const copy = await startTessera({ backend: 'sqlite', dataDir: staging });
        try {
          assert.equal(await status(back.baseUrl, alice), 401, 'a password session from before the restore');
          assert.equal(await status(back.baseUrl, doomedSession), 401, 'a session of a token revoked after the backup');
          assert.equal(await status(back.baseUrl, laterSession), 401, 'a session of a token the restored store never knew');
          assert.equal(await legacyStatus(back.baseUrl, legacy), 401, 'a legacy x-vcloud-authorization session id');
          // A portal cookie holding a session from before: the sign-in page, not an error.
          const portal = await http(`${back.baseUrl}/tenant/acme/preferences`, {
            headers: { cookie: `tessera_session=${alice}` },
            redirect: 'manual',
          });
          assert.equal(portal.status, 303);
          assert.match(portal.headers.get('location') ?? '', /\/tenant\/acme\/login\?/);

          assert.equal((await exchange(back.baseUrl, 'acme', kept.apiToken)).status, 200, 'an API token from before the backup works');
          assert.notEqual((await exchange(back.baseUrl, 'acme', later.apiToken)).status, 200, 'one made after it is not in it');

          // Each copy has a key of its own: a session signed on one is refused by the other, both ways.
          const onCopy = await signIn(copy.baseUrl, 'administrator', 'System', ADMIN_PASSWORD);
          const onBack = await signIn(back.baseUrl, 'administrator', 'System', ADMIN_PASSWORD);
          assert.equal(await status(copy.baseUrl, onCopy), 200);
          assert.equal(await status(back.baseUrl, onCopy), 401, 'the staging copy\u2019s session on production');
          assert.equal(await status(copy.baseUrl, onBack), 401, 'and production\u2019s on the copy');

          // The recovery codes' key is not rotated: the codes made before the backup still work.
          assert.equal(await new RecoveryCodeService({ store: back.store }).consume(aliceUser.id, codes[0]!), true);
        } finally {
          await back.stop();
          await copy.stop();
        }
        // What the restore said: the backup's time, what it undid, the token revoked since (no secret).
        assert.match(restored.stderr, /its newest audit event is from \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/);
        assert.match(restored.stderr, /revocations, password changes, user disables, TOTP enrolments and service-account token rotations/i);
        assert.match(restored.stderr, /new signing key: every session from before the restore has ended/);
        assert.match(
          restored.stderr,
          new RegExp(
            `1 API token\\(s\\) revoked in the previous database are live again:\\n  ${doomed.tokenId}  revoked-after-backup  \\(alice@acme, revoked `,
          ),
        );
        assert.match(restored.stderr, /DELETE \/cloudapi\/1\.0\.0\/tokens\/ID as a System administrator/);
        assert.doesNotMatch(restored.stderr, new RegExp(kept.tokenId), 'a token never revoked is not listed');
        assert.doesNotMatch(restored.stderr, new RegExp(`${doomed.apiToken}|${kept.apiToken}`), 'no secret is printed');
      } finally {
        if (!stopped) await tessera.stop();
      }
    });

    test('--revoke-again revokes in the restored store what the replaced one had revoked since the backup', async () => {
      const live = freshDir();
      const tessera = await startTessera({ backend: 'sqlite', dataDir: live });
      const base = tessera.baseUrl;
      const alice = await signIn(base, 'alice', 'acme', DEMO_PASSWORD);
      const kept = await createApiToken(base, alice, 'acme', 'kept');
      const doomed = await createApiToken(base, alice, 'acme', 'doomed');
      const backupFile = join(freshDir(), 'nightly.db');
      assert.equal((await runCli(['admin', 'backup', backupFile, '--data-dir', live])).code, 0);
      assert.equal(
        (await http(`${base}/cloudapi/1.0.0/tokens/${doomed.tokenId}`, { method: 'DELETE', headers: bearer(alice) })).status,
        204,
      );
      await tessera.stop();

      const restored = await runCli(['admin', 'restore', backupFile, '--data-dir', live, '--revoke-again', '--reason', 'disk lost']);
      assert.equal(restored.code, 0, restored.stderr);
      assert.match(
        restored.stderr,
        new RegExp(
          `Revoked again 1 API token\\(s\\) that the previous database had revoked since the backup:\\n  ${doomed.tokenId}  doomed `,
        ),
      );
      const back = await startTessera({ backend: 'sqlite', dataDir: live });
      try {
        await assertRevokedAgain(back, doomed, kept, /--revoke-again/);
        // The restore's new signing key is audited in the restored store, with the backup it came from.
        const rotations = await rotationEvents(back.baseUrl);
        assert.equal(rotations.length, 1);
        assertRotatedBy(rotations[0], 'tessera admin restore', 'disk lost');
        assert.equal(rotations[0]!.details.backupFile, backupFile);
        assert.match(String(rotations[0]!.details.backupTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      } finally {
        await back.stop();
      }
    });

    test('a password changed since the backup is listed; a hash rewritten by a sign-in (the same password) is not', async () => {
      const live = freshDir();
      const tessera = await startTessera({ backend: 'sqlite', dataDir: live });
      let stopped = false;
      try {
        const acme = (await tessera.store.getOrgByName('acme'))!;
        const alice = (await tessera.store.getUserByName(acme.id, 'alice'))!;
        const bob = (await tessera.store.getUserByName(acme.id, 'bob'))!;
        // bob's hash is of the raw text (made before passwords were normalized): his next sign-in rehashes it.
        const decomposed = 'Gru\u0308ne-Pa\u0308sse-1';
        await tessera.store.updateUser(bob.id, {
          password_hash: await hash(decomposed, { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 }),
        });
        const backupFile = join(freshDir(), 'nightly.db');
        assert.equal((await runCli(['admin', 'backup', backupFile, '--data-dir', live])).code, 0);

        const before = (await tessera.store.getUser(bob.id))!.password_hash;
        await signIn(tessera.baseUrl, 'bob', 'acme', decomposed);
        assert.notEqual((await tessera.store.getUser(bob.id))!.password_hash, before, 'the sign-in rehashed bob\u2019s password');
        await tessera.server.services.users.update(alice, { password: 'a-New-Password-7' });
        await tessera.stop();
        stopped = true;

        const restored = await runCli(['admin', 'restore', backupFile, '--data-dir', live]);
        assert.equal(restored.code, 0, restored.stderr);
        assert.match(restored.stderr, /Password changed since the backup \(the old one works again\): alice@acme$/m);
        assert.doesNotMatch(restored.stderr, /bob@acme/, 'a rehash of the same password undid nothing');
      } finally {
        if (!stopped) await tessera.stop();
      }
    });

    test('a WAL-mode file copied without its -wal is restored with a warning; a backup without one', async () => {
      const live = freshDir();
      const tessera = await startTessera({ backend: 'sqlite', dataDir: live });
      try {
        const backupFile = join(freshDir(), 'nightly.db');
        assert.equal((await runCli(['admin', 'backup', backupFile, '--data-dir', live])).code, 0);
        const copied = join(freshDir(), 'copied.db');
        // The schema checkpointed into the file, the latest writes only in the log: what `cp` of a running store gets.
        const side = new Database(join(live, 'tessera.db'));
        side.pragma('wal_checkpoint(PASSIVE)');
        side.close();
        await tessera.store.setMeta('restore_test', 'a write in the log');
        copyFileSync(join(live, 'tessera.db'), copied);

        const fromCopy = await runCli(['admin', 'restore', copied, '--data-dir', freshDir()]);
        assert.equal(fromCopy.code, 0, fromCopy.stderr);
        assert.match(
          fromCopy.stderr,
          /warning: .*copied\.db looks like a file copy of a running store, not a backup .*it may miss recent writes; use tessera admin backup/,
        );
        const fromBackup = await runCli(['admin', 'restore', backupFile, '--data-dir', freshDir()]);
        assert.equal(fromBackup.code, 0, fromBackup.stderr);
        assert.doesNotMatch(fromBackup.stderr, /warning/);
      } finally {
        await tessera.stop();
      }
    });
  },
);

describe('tessera admin rotate-signing-key', () => {
  test(
    'SQLite: refused while a server holds the store; stopped, it ends every session and API tokens keep working',
    { skip: !onSqlite && 'SQLite only: runs in the SQLite pass' },
    async () => {
      const dir = freshDir();
      const tessera = await startTessera({ backend: 'sqlite', dataDir: dir });
      const alice = await signIn(tessera.baseUrl, 'alice', 'acme', DEMO_PASSWORD);
      const token = await createApiToken(tessera.baseUrl, alice, 'acme', 'ci');
      try {
        const refused = await runCli(['admin', 'rotate-signing-key', '--data-dir', dir]);
        assert.equal(refused.code, 1, refused.stderr);
        assert.match(refused.stderr, /A Tessera server is running on this data directory \(pid \d+.*Stop it first/);
      } finally {
        await tessera.stop();
      }

      const before = Date.now();
      const rotated = await runCli(['admin', 'rotate-signing-key', '--data-dir', dir, '--reason', 'backup tape lost']);
      assert.equal(rotated.code, 0, rotated.stderr);
      assert.match(
        rotated.stderr,
        /Rotated the signing key and the portal secret of .*tessera\.db: every session and access token from before has ended/,
      );
      const back = await startTessera({ backend: 'sqlite', dataDir: dir });
      try {
        assert.equal(await status(back.baseUrl, alice), 401);
        assert.equal((await exchange(back.baseUrl, 'acme', token.apiToken)).status, 200);
        // The rotation is audited (until 2026-12-06 nothing said when every session was ended, nor by whom).
        const events = await rotationEvents(back.baseUrl);
        assert.equal(events.length, 1);
        assertRotatedBy(events[0], 'tessera admin rotate-signing-key', 'backup tape lost');
        assert.ok(Date.parse(events[0]!.timestamp) >= before - 1000);
      } finally {
        await back.stop();
      }
      const nowhere = await runCli(['admin', 'rotate-signing-key', '--data-dir', freshDir()]);
      assert.equal(nowhere.code, 2);
      assert.match(nowhere.stderr, /No Tessera database at /);
    },
  );

  test(
    'PostgreSQL: refused while a node is connected; --force rotates and says to restart every node',
    { skip: !onPostgres && 'PostgreSQL only: set TESSERA_TEST_BACKEND=postgres and TESSERA_TEST_DATABASE_URL' },
    async () => {
      const tessera = await startTessera({ backend: 'postgres' });
      const url = tessera.config.databaseUrl!;
      try {
        const alice = await signIn(tessera.baseUrl, 'alice', 'acme', DEMO_PASSWORD);
        const token = await createApiToken(tessera.baseUrl, alice, 'acme', 'ci');
        const refused = await runCli(['admin', 'rotate-signing-key', '--database-url', url]);
        assert.equal(refused.code, 1, refused.stderr);
        assert.match(
          refused.stderr,
          /1 Tessera node\(s\) are connected to this database \(tessera \S+:\d+\): stop every node first.*--force/,
        );
        const forced = await runCli(['admin', 'rotate-signing-key', '--database-url', url, '--force', '--reason', 'staging copy']);
        assert.equal(forced.code, 0, forced.stderr);
        assert.match(forced.stderr, /they keep the old key in memory; restart every node now/);

        // The running node keeps its key until it restarts (the reason for the refusal); a restarted one refuses.
        const second = await startTessera({ backend: 'postgres', databaseUrl: url });
        try {
          assert.equal(await status(second.baseUrl, alice), 401, 'a node started after the rotation refuses the old session');
          assert.equal((await exchange(second.baseUrl, 'acme', token.apiToken)).status, 200, 'API tokens keep working');
          const events = await rotationEvents(second.baseUrl);
          assert.equal(events.length, 1);
          assertRotatedBy(events[0], 'tessera admin rotate-signing-key', 'staging copy');
          assert.equal(events[0]!.details.forced, true);
          assert.match(String(events[0]!.details.connectedNodes), /^tessera \S+:\d+/);
        } finally {
          await second.stop();
        }
      } finally {
        await tessera.stop();
      }
    },
  );
});

describe('tessera admin compare-restore (PostgreSQL)', () => {
  const run = (command: string, args: string[]) => {
    const done = spawnSync(command, args, { encoding: 'utf8' });
    assert.equal(done.status, 0, `${command}: ${done.stderr}`);
  };
  test(
    'lists what pg_restore undid, read from the database as it was before; --revoke-again revokes those tokens again',
    { skip: !onPostgres && 'PostgreSQL only: set TESSERA_TEST_BACKEND=postgres and TESSERA_TEST_DATABASE_URL' },
    async () => {
      const live = await createTestDatabase();
      const before = await createTestDatabase();
      try {
        const tessera = await startTessera({ backend: 'postgres', databaseUrl: live.url });
        const base = tessera.baseUrl;
        let kept: Awaited<ReturnType<typeof createApiToken>>;
        let doomed: Awaited<ReturnType<typeof createApiToken>>;
        const nightly = join(freshDir(), 'tessera.dump');
        try {
          const alice = await signIn(base, 'alice', 'acme', DEMO_PASSWORD);
          kept = await createApiToken(base, alice, 'acme', 'kept');
          doomed = await createApiToken(base, alice, 'acme', 'doomed');
          run('pg_dump', ['--format=custom', `--file=${nightly}`, live.url]);
          // After the backup: a revocation, and a user disabled.
          assert.equal(
            (await http(`${base}/cloudapi/1.0.0/tokens/${doomed.tokenId}`, { method: 'DELETE', headers: bearer(alice) })).status,
            204,
          );
          const bob = (await tessera.store.getUserByName((await tessera.store.getOrgByName('acme'))!.id, 'bob'))!;
          await tessera.store.updateUser(bob.id, { is_enabled: 0 });
        } finally {
          await tessera.stop();
        }
        // The documented procedure: what pg_restore replaces is kept (dumped, and restored into a scratch database).
        const replaced = join(freshDir(), 'before.dump');
        run('pg_dump', ['--format=custom', `--file=${replaced}`, live.url]);
        run('pg_restore', ['--no-owner', `--dbname=${before.url}`, replaced]);
        run('pg_restore', ['--clean', '--if-exists', '--no-owner', `--dbname=${live.url}`, nightly]);

        const listed = await runCli(['admin', 'compare-restore', '--database-url', live.url, '--before', before.url]);
        assert.equal(listed.code, 0, listed.stderr);
        assert.match(
          listed.stderr,
          new RegExp(
            `1 API token\\(s\\) revoked in the previous database are live again:\\n  ${doomed.tokenId}  doomed  \\(alice@acme, revoked `,
          ),
        );
        assert.match(listed.stderr, /Disabled in the previous database, enabled again: bob@acme/);
        assert.match(listed.stderr, /tessera admin compare-restore --revoke-again does it before the nodes start/);
        const itself = await runCli(['admin', 'compare-restore', '--database-url', live.url, '--before', live.url]);
        assert.equal(itself.code, 2, itself.stderr);

        const again = await runCli(['admin', 'compare-restore', '--database-url', live.url, '--before', before.url, '--revoke-again']);
        assert.equal(again.code, 0, again.stderr);
        assert.match(
          again.stderr,
          new RegExp(
            `Revoked again 1 API token\\(s\\) that the previous database had revoked since the backup:\\n  ${doomed.tokenId}  doomed `,
          ),
        );

        const back = await startTessera({ backend: 'postgres', databaseUrl: live.url });
        try {
          await assertRevokedAgain(back, doomed, kept, /compare-restore --revoke-again/);
          // With a node connected, --revoke-again refuses (the node would not hear of it).
          const refused = await runCli(['admin', 'compare-restore', '--database-url', live.url, '--before', before.url, '--revoke-again']);
          assert.equal(refused.code, 1, refused.stderr);
          assert.match(refused.stderr, /Tessera node\(s\) are connected to the restored database/);
        } finally {
          await back.stop();
        }
      } finally {
        await live.drop();
        await before.drop();
      }
    },
  );
});
