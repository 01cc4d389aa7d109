/**
 * `tessera admin org ...` and `tessera admin user ...` (the binary, in a child process) against a real Tessera
 * over HTTPS: the System administrator creates an org and its administrator, lists, disables, enables, sets a
 * password and deletes; exit codes (4 for forbidden or not found, 1 for a refused operation).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { VcdClient, VcdApiError, isVcdClientError } from '../../src/client/index.js';
import { runCli } from './run-cli.js';

let tessera: TesseraHandle;
let home: string;
let asAdmin: Record<string, string>;
let asAlice: Record<string, string>;
const ORG = `cli-${process.pid}`;

before(async () => {
  tessera = await startTessera({ https: true });
  home = await mkdtemp(join(tmpdir(), 'tessera-cli-admin-'));
  asAdmin = { XDG_CONFIG_HOME: join(home, 'admin') };
  asAlice = { XDG_CONFIG_HOME: join(home, 'alice') };
  const login = async (env: Record<string, string>, org: string, user: string, password: string) => {
    const result = await runCli(['login', '--endpoint', tessera.baseUrl, '--org', org, '--user', user, '--insecure'], {
      env: { ...env, TESSERA_PASSWORD: password },
    });
    assert.equal(result.code, 0, result.stderr);
  };
  await login(asAdmin, 'System', 'administrator', tessera.adminPassword);
  await login(asAlice, 'acme', 'alice', tessera.demoPassword);
});
after(async () => {
  await tessera?.stop();
  await rm(home, { recursive: true, force: true });
});

/** A password sign-in through the self-signed certificate (the SDK's `insecure`). */
async function signIn(_base: string, user: string, org: string, password: string): Promise<string> {
  return (await VcdClient.signIn({ endpoint: tessera.baseUrl, org, user, password, insecure: true })).accessToken;
}

const is401 = (error: unknown) => error instanceof VcdApiError && error.status === 401;

const admin = (args: string[], extra: { input?: string; env?: Record<string, string> } = {}) =>
  runCli(['admin', ...args], { env: { ...asAdmin, ...extra.env }, ...(extra.input !== undefined ? { input: extra.input } : {}) });

describe('tessera admin', () => {
  test('org create, list; user create (password from stdin), list', async () => {
    const created = await admin(['org', 'create', ORG, '--full-name', 'CLI Org']);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /^[0-9a-f-]{36}\n$/);
    const orgs = JSON.parse((await admin(['org', 'list', '--output', 'json'])).stdout) as Array<{ name: string; isEnabled: boolean }>;
    assert.ok(orgs.some((o) => o.name === ORG && o.isEnabled));

    // Nothing piped in: a usage error and nothing sent (until 2026-12-05 an empty password went to the server: exit 1).
    const empty = await admin(['user', 'create', 'oa', '--in', ORG, '--role', 'Organization Administrator', '--password-stdin'], {
      input: '',
    });
    assert.equal(empty.code, 2, empty.stderr);
    assert.match(empty.stderr, /--password-stdin read an empty password/);
    const user = await admin(['user', 'create', 'oa', '--in', ORG, '--role', 'Organization Administrator', '--password-stdin'], {
      input: 'Cli-Admin-Password-1\n',
    });
    assert.equal(user.code, 0, user.stderr);
    assert.ok(await signIn(tessera.baseUrl, 'oa', ORG, 'Cli-Admin-Password-1'));
    const users = JSON.parse((await admin(['user', 'list', '--in', ORG, '--output', 'json'])).stdout) as Array<Record<string, unknown>>;
    assert.deepEqual(
      users.map((u) => [u.name, u.roleName, u.enabled]),
      [['oa', 'Organization Administrator', true]],
    );
    const table = await admin(['user', 'list', '--in', ORG]);
    assert.match(table.stdout, /^NAME\s+ID\s+ROLE/);
  });

  test('user disable / enable / set-password (ends sessions)', async () => {
    const session = await signIn(tessera.baseUrl, 'oa', ORG, 'Cli-Admin-Password-1');
    assert.equal((await admin(['user', 'disable', 'oa', '--in', ORG])).code, 0);
    await assert.rejects(signIn(tessera.baseUrl, 'oa', ORG, 'Cli-Admin-Password-1'), is401);
    assert.equal((await admin(['user', 'enable', 'oa', '--in', ORG])).code, 0);
    const later = await signIn(tessera.baseUrl, 'oa', ORG, 'Cli-Admin-Password-1');
    const set = await admin(['user', 'set-password', 'oa', '--in', ORG], { env: { TESSERA_NEW_PASSWORD: 'Cli-New-Password-2' } });
    assert.equal(set.code, 0, set.stderr);
    assert.ok(await signIn(tessera.baseUrl, 'oa', ORG, 'Cli-New-Password-2'));
    for (const accessToken of [session, later]) {
      const client = new VcdClient({ endpoint: tessera.baseUrl, org: ORG, accessToken, insecure: true });
      await assert.rejects(client.request('/api/session'), is401);
    }
  });

  test("set-password leaves the user's API tokens working and says so; --revoke-api-tokens revokes them too", async () => {
    const password = 'Cli-Token-Owner-Password-4';
    const made = await admin(['user', 'create', 'tok', '--in', ORG, '--role', 'vApp User'], { env: { TESSERA_NEW_PASSWORD: password } });
    assert.equal(made.code, 0, made.stderr);
    const owner = await VcdClient.signIn({ endpoint: tessera.baseUrl, org: ORG, user: 'tok', password, insecure: true });
    const { apiToken } = await owner.client.createToken('compromised?');
    const works = async () => {
      const client = new VcdClient({ endpoint: tessera.baseUrl, org: ORG, apiToken, insecure: true });
      try {
        await client.request('/api/session');
        return true;
      } catch (error) {
        if (error instanceof VcdApiError || isVcdClientError(error)) return false;
        throw error;
      }
    };
    assert.equal(await works(), true);
    const plain = await admin(['user', 'set-password', 'tok', '--in', ORG], {
      env: { TESSERA_NEW_PASSWORD: 'Cli-Token-Owner-Password-5' },
    });
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stderr, /Their API tokens still work: add --revoke-api-tokens to revoke them too/);
    assert.equal(await works(), true, 'a password set by an administrator alone leaves the tokens');
    const revoking = await admin(['user', 'set-password', 'tok', '--in', ORG, '--revoke-api-tokens'], {
      env: { TESSERA_NEW_PASSWORD: 'Cli-Token-Owner-Password-6' },
    });
    assert.equal(revoking.code, 0, revoking.stderr);
    assert.match(revoking.stderr, /their sessions have ended and their API tokens are revoked/);
    assert.equal(await works(), false, 'revoked with the password change');
    assert.ok(await signIn(tessera.baseUrl, 'tok', ORG, 'Cli-Token-Owner-Password-6'), 'the new password is set');
    assert.equal((await admin(['user', 'delete', 'tok', '--in', ORG])).code, 0, 'the org as the next tests expect it');
  });

  test('not found and forbidden exit 4; a refused delete exits 1', async () => {
    assert.equal((await admin(['org', 'disable', 'no-such-org'])).code, 4);
    assert.equal((await admin(['user', 'delete', 'nobody', '--in', ORG])).code, 4);
    const tenant = await runCli(['admin', 'org', 'create', 'by-alice'], { env: asAlice });
    assert.equal(tenant.code, 4, tenant.stderr);
    const enabled = await admin(['org', 'delete', ORG, '--recursive']);
    assert.equal(enabled.code, 1);
    // With the command that comes first (until 2026-12-07 the refusal alone).
    assert.match(
      enabled.stderr,
      new RegExp(
        `BAD_REQUEST: The organization must be disabled before it can be deleted \\[request [0-9a-f-]+\\]\n  Disable it first: tessera admin org disable ${ORG}\n$`,
      ),
    );
    // The request id once, at the end (until 2026-12-05 VCD's message prefix `[ <id> ] ` repeated it).
    const requestId = /\[request ([0-9a-f-]+)\]/.exec(enabled.stderr)![1]!;
    assert.equal(enabled.stderr.split(requestId).length - 1, 1, enabled.stderr);
  });

  test('org disable, delete (refused while it holds users unless --recursive), user delete', async () => {
    const other = `${ORG}-b`;
    assert.equal((await admin(['org', 'create', other])).code, 0);
    assert.equal(
      (await admin(['user', 'create', 'u', '--in', other, '--role', 'vApp User'], { env: { TESSERA_NEW_PASSWORD: 'Cli-User-Password-3' } }))
        .code,
      0,
    );
    assert.equal((await admin(['user', 'delete', 'u', '--in', other])).code, 0);
    assert.equal((await admin(['org', 'disable', other])).code, 0);
    assert.equal((await admin(['org', 'delete', other])).code, 0);

    assert.equal((await admin(['org', 'disable', ORG])).code, 0);
    await assert.rejects(signIn(tessera.baseUrl, 'oa', ORG, 'Cli-New-Password-2'), is401);
    const refused = await admin(['org', 'delete', ORG]);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      new RegExp(
        `Cannot delete organization "${ORG}": The organization is not empty \\(1 user, 0 VDCs, 0 vApps\\); delete them first or pass --recursive`,
      ),
    );
    assert.doesNotMatch(refused.stderr, /recursive=true|\[ [0-9a-f-]+ \]/, 'the flag, and no request id before the sentence');
    assert.equal((await admin(['org', 'delete', ORG, '--recursive', '--force'])).code, 0);
    const orgs = JSON.parse((await admin(['org', 'list', '--output', 'json'])).stdout) as Array<{ name: string }>;
    assert.ok(!orgs.some((o) => o.name === ORG || o.name === other));
  });
});
