/**
 * `tessera token list --owner/--state/--unused-days` and the bulk `tessera token revoke` against a real Tessera: the
 * shorthands list what the portal's filters count for the same data (an org administrator with "API Tokens: Manage
 * All", and the System administrator), a dry run by default, `--yes` revokes exactly the matches with progress,
 * `--limit`, and a session made from an API token is refused.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { matchingTokens, NO_FILTER, type TokenFilter, type TokenListScope } from '../../src/http/portal/token-queries.js';
import type { Services } from '../../src/http/context.js';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { mintedTokenRow } from '../store/fixtures.js';
import { runCli } from './run-cli.js';

const DAY = 86_400_000;

describe('tessera token list shorthands and bulk revoke', () => {
  let tessera: TesseraHandle;
  let home: string;
  let aliceEnv: Record<string, string>;
  let adminEnv: Record<string, string>;
  let acmeId: string;
  let globexId: string;
  const ids = new Map<string, string>();

  const revokedIds = async () =>
    new Set((await tessera.store.db.selectFrom('api_tokens').select('id').where('revoked_at', 'is not', null).execute()).map((r) => r.id));
  const listed = async (env: Record<string, string>, args: string[]) => {
    const result = await runCli(['token', 'list', '--output', 'json', ...args], { env });
    assert.equal(result.code, 0, result.stderr);
    return (JSON.parse(result.stdout) as Array<{ id: string; name: string }>).map((t) => t.name).sort();
  };
  /** The portal's count for the same filter (the lists, their counts and its bulk revoke read this one query). */
  const portalCount = async (scope: TokenListScope, filter: Partial<TokenFilter>) => {
    const services = tessera.server.services as unknown as Services;
    const row = await matchingTokens(services, scope, '', { ...NO_FILTER, ...filter }, Date.now())
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  };

  before(async () => {
    tessera = await startTessera({ demo: true });
    home = await mkdtemp(join(tmpdir(), 'tessera-cli-bulk-'));
    const user = async (name: string) =>
      await tessera.store.db.selectFrom('users').select(['id', 'org_id']).where('name', '=', name).executeTakeFirstOrThrow();
    const bob = await user('bob');
    const hank = await user('hank');
    acmeId = bob.org_id;
    globexId = hank.org_id;
    const now = Date.now();
    // bob, in acme: 12 never used (made 200 days ago), 3 unused for 100 days, 2 used 12 hours ago, 2 expiring in 3 days,
    // 1 expired long unused, 1 revoked, 1 fresh (made now, never used); hank, in globex: 2 unused for 100 days.
    const rows = [
      ...Array.from({ length: 12 }, (_, i) =>
        mintedTokenRow(acmeId, bob.id, { name: `never-${i}`, created_at: now - 200 * DAY - i, minted_at: now - 200 * DAY }),
      ),
      ...Array.from({ length: 3 }, (_, i) =>
        mintedTokenRow(acmeId, bob.id, { name: `stale-${i}`, created_at: now - 300 * DAY, last_used_at: now - 100 * DAY }),
      ),
      ...Array.from({ length: 2 }, (_, i) => mintedTokenRow(acmeId, bob.id, { name: `busy-${i}`, last_used_at: now - DAY / 2 })),
      ...Array.from({ length: 2 }, (_, i) =>
        mintedTokenRow(acmeId, bob.id, { name: `soon-${i}`, expires_at: now + 3 * DAY, last_used_at: now - 2 * DAY }),
      ),
      mintedTokenRow(acmeId, bob.id, { name: 'gone', created_at: now - 300 * DAY, expires_at: now - DAY }),
      mintedTokenRow(acmeId, bob.id, { name: 'ended', created_at: now - 300 * DAY, revoked_at: now - DAY }),
      mintedTokenRow(acmeId, bob.id, { name: 'fresh' }),
      ...Array.from({ length: 2 }, (_, i) =>
        mintedTokenRow(globexId, hank.id, { name: `globex-stale-${i}`, created_at: now - 300 * DAY, last_used_at: now - 100 * DAY }),
      ),
    ];
    await tessera.store.db
      .insertInto('api_tokens')
      .values(rows as never)
      .execute();
    for (const row of rows) ids.set(row.name, row.id);
    aliceEnv = { XDG_CONFIG_HOME: join(home, 'alice'), TESSERA_PASSWORD: tessera.demoPassword };
    adminEnv = { XDG_CONFIG_HOME: join(home, 'admin'), TESSERA_PASSWORD: tessera.adminPassword };
    const alice = await runCli(['login', '--endpoint', tessera.baseUrl, '--org', 'acme', '--user', 'alice'], { env: aliceEnv });
    assert.equal(alice.code, 0, alice.stderr);
    const admin = await runCli(['login', '--endpoint', tessera.baseUrl, '--org', 'System', '--user', 'administrator'], { env: adminEnv });
    assert.equal(admin.code, 0, admin.stderr);
  });
  after(async () => {
    await tessera?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  test('each shorthand lists what the portal counts for the same filter', async () => {
    const acme: TokenListScope = { kind: 'org', orgId: acmeId };
    const all: TokenListScope = { kind: 'all' };
    const cases: Array<[string[], Partial<TokenFilter>, number]> = [
      [['--state', 'active'], { state: 'active' }, 18],
      [['--state', 'expiring'], { state: 'expiring' }, 2],
      [['--state', 'expired'], { state: 'expired' }, 1],
      [['--state', 'never-used'], { state: 'never-used' }, 13],
      [['--unused-days', '90'], { state: 'unused', unusedDays: 90 }, 15],
      [['--unused-days', '150'], { state: 'unused', unusedDays: 150 }, 12],
      [['--unused-days', '1'], { state: 'unused', unusedDays: 1 }, 17],
      [['--owner', 'bob', '--state', 'active'], { owner: 'bob', state: 'active' }, 18],
      [['--owner', 'bob', '--state', 'never-used'], { owner: 'bob', state: 'never-used' }, 13],
      // The user name in any case or Unicode form, as sign-in and the portal's Owner field read it (until 2026-12-07
      // the CLI's owner.name== compared it exactly: none of bob's tokens for BOB, while the portal counted 18).
      [['--owner', 'BOB', '--state', 'active'], { owner: 'BOB', state: 'active' }, 18],
      [['--owner', '\uff22ob', '--state', 'never-used'], { owner: '\uff22ob', state: 'never-used' }, 13],
    ];
    for (const [args, filter, expected] of cases) {
      const names = await listed(aliceEnv, args);
      assert.equal(names.length, expected, `${args.join(' ')}: ${names.join(', ')}`);
      assert.equal(names.length, await portalCount(acme, filter), `${args.join(' ')} against the portal`);
    }
    // The System administrator sees every org: globex's two stale tokens too, as the provider's list counts them.
    for (const [args, filter, expected] of [
      [['--unused-days', '90'], { state: 'unused', unusedDays: 90 }, 17],
      [['--owner', 'hank', '--state', 'active'], { owner: 'hank', state: 'active' }, 2],
      [['--owner', 'Hank', '--state', 'active'], { owner: 'Hank', state: 'active' }, 2],
    ] as Array<[string[], Partial<TokenFilter>, number]>) {
      const names = await listed(adminEnv, args);
      assert.equal(names.length, expected, `${args.join(' ')}: ${names.join(', ')}`);
      assert.equal(names.length, await portalCount(all, filter), `${args.join(' ')} against the provider's portal list`);
    }
    // Combined with --filter: all apply.
    assert.deepEqual(await listed(aliceEnv, ['--unused-days', '90', '--filter', 'name==stale*']), ['stale-0', 'stale-1', 'stale-2']);
    // A bad day count is a usage error, before anything is sent.
    const bad = await runCli(['token', 'list', '--unused-days', '0'], { env: aliceEnv });
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /1 to 3650/);
  });

  test('a bulk revoke is a dry run without --yes: it lists the matches and changes nothing', async () => {
    const before = await revokedIds();
    const result = await runCli(['token', 'revoke', '--unused-days', '90'], { env: aliceEnv });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^15 live API tokens match:\nNAME /);
    assert.match(result.stderr, /Dry run: nothing was revoked\. To revoke these 15 live API tokens, run the same command with --yes\./);
    for (const name of ['never-0', 'stale-2']) assert.ok(result.stderr.includes(ids.get(name)!), name);
    assert.deepEqual(await revokedIds(), before);
  });

  test('more matches than --limit revokes nothing (exit 2)', async () => {
    const before = await revokedIds();
    const result = await runCli(['token', 'revoke', '--unused-days', '90', '--limit', '10', '--yes'], { env: aliceEnv });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /15 live API tokens match, more than 10: nothing was revoked/);
    assert.deepEqual(await revokedIds(), before);
  });

  test('a session made from an API token may not bulk revoke (exit 2, nothing sent)', async () => {
    const file = join(home, 'alice-token.json');
    const made = await runCli(['token', 'create', 'script', '--out', file], { env: aliceEnv });
    assert.equal(made.code, 0, made.stderr);
    const before = await revokedIds();
    const result = await runCli(
      ['token', 'revoke', '--owner', 'bob', '--yes', '--token-file', file, '--endpoint', tessera.baseUrl, '--org', 'acme'],
      { env: aliceEnv },
    );
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /a bulk revoke needs a password session \(tessera login\)/);
    assert.deepEqual(await revokedIds(), before);
  });

  test('--yes revokes exactly the matches, one by one, with progress on stderr and the ids on stdout', async () => {
    const before = await revokedIds();
    const result = await runCli(['token', 'revoke', '--unused-days', '90', '--owner', 'bob', '--yes'], { env: aliceEnv });
    assert.equal(result.code, 0, result.stderr);
    const expected = [...Array.from({ length: 12 }, (_, i) => `never-${i}`), 'stale-0', 'stale-1', 'stale-2'].map((n) => ids.get(n)!);
    assert.deepEqual(result.stdout.trim().split('\n').sort(), expected.map((id) => `urn:vcloud:token:${id}`).sort());
    // A line at each tenth of the way (15 tokens: every 2) and the last.
    assert.deepEqual(
      result.stderr.match(/^revoked \d+\/15$/gm),
      ['2', '4', '6', '8', '10', '12', '14', '15'].map((n) => `revoked ${n}/15`),
    );
    assert.match(result.stderr, /Revoked 15 API tokens\.\n$/);
    const after = await revokedIds();
    assert.deepEqual([...after].filter((id) => !before.has(id)).sort(), [...expected].sort());
    // Another org's tokens, the fresh, busy, expiring and expired ones stay as they were.
    for (const name of ['globex-stale-0', 'globex-stale-1', 'fresh', 'busy-0', 'soon-0', 'gone'])
      assert.ok(!after.has(ids.get(name)!), name);
    // Run again: nothing matches any more.
    const again = await runCli(['token', 'revoke', '--unused-days', '90', '--owner', 'bob', '--yes'], { env: aliceEnv });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /No live API tokens match: nothing to revoke\./);
  });

  test('a bulk revoke takes a token or a filter, not both, and leaves expired tokens alone (exit 2)', async () => {
    for (const args of [
      ['token', 'revoke', 'fresh', '--owner', 'bob'],
      ['token', 'revoke'],
      ['token', 'revoke', '--state', 'expired', '--yes'],
      ['token', 'revoke', 'fresh', '--limit', '5'],
    ]) {
      const result = await runCli(args, { env: aliceEnv });
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /--owner|--filter|live tokens only|--limit/, args.join(' '));
    }
    assert.equal((await tessera.store.getApiToken(ids.get('gone')!))!.revoked_at, null);
    assert.equal((await tessera.store.getApiToken(ids.get('fresh')!))!.revoked_at, null);
  });
});
