/**
 * Acceptance: `tessera service-account` against a real Tessera, as an administrator and a pipeline would use it:
 * create, list, authorize --wait (the user code on stdout at once, the first token written to --out once granted),
 * grant from another shell, token (exchange and rotate the file), revoke, delete; exit codes.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { BIN, runCli } from './run-cli.js';

const SOFTWARE_ID = '5f1c6f1e-0000-4000-8000-000000000001';

let tessera: TesseraHandle;
let home: string;
let env: Record<string, string>;
const server = () => ['--endpoint', tessera.baseUrl, '--org', 'acme'];

before(async () => {
  tessera = await startTessera({});
  home = await mkdtemp(join(tmpdir(), 'tessera-cli-sa-'));
  env = { XDG_CONFIG_HOME: join(home, 'config'), TESSERA_PASSWORD: tessera.demoPassword };
});
after(async () => {
  await tessera?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

/** The CLI in a child process whose stdout can be read while it runs (authorize --wait prints, then polls). */
function startCli(args: string[]) {
  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('TESSERA_')) childEnv[k] = v;
  Object.assign(childEnv, env);
  const child = spawn(process.execPath, [BIN, ...args], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  const firstLine = async () => {
    for (let i = 0; i < 200 && !stdout.includes('\n'); i++) await new Promise((r) => setTimeout(r, 50));
    return stdout.split('\n')[0]!;
  };
  return { done, firstLine };
}

describe('tessera service-account against Tessera', () => {
  const tokenFile = () => join(home, 'sa-token.json');

  test('login as the org administrator', async () => {
    const r = await runCli(['login', ...server(), '--user', 'alice'], { env });
    assert.equal(r.code, 0, r.stderr);
  });

  test('create prints the client id; a bad software id or role is refused', async () => {
    const r = await runCli(['service-account', 'create', 'ci-bot', '--role', 'vApp Author', '--software-id', SOFTWARE_ID], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^[0-9a-f-]{36}\n$/);
    assert.match(r.stderr, /Created service account "ci-bot"/);
    const bad = await runCli(['service-account', 'create', 'x', '--role', 'vApp Author', '--software-id', 'nope'], { env });
    assert.equal(bad.code, 2);
    const role = await runCli(['service-account', 'create', 'y', '--role', 'No Such Role', '--software-id', SOFTWARE_ID], { env });
    assert.notEqual(role.code, 0);
    assert.match(role.stderr, /scope must name a role/);
    const list = await runCli(['service-account', 'list'], { env });
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /NAME\s+ID\s+ROLE\s+STATUS/);
    assert.match(
      list.stdout,
      /ci-bot\s+urn:vcloud:serviceAccount:\S+\s+vApp Author\s+CREATED\s+5f1c6f1e-0000-4000-8000-000000000001\s+never/,
    );
  });

  test('authorize --wait prints the user code, then writes the first token once an administrator grants it', async () => {
    const noOut = await runCli(['service-account', 'authorize', 'ci-bot', '--wait'], { env });
    assert.equal(noOut.code, 2, 'the token must have somewhere to go');
    // Somewhere it can go: checked before the request is made, so no one-time token is granted into the void.
    const nowhere = await runCli(['service-account', 'authorize', 'ci-bot', '--wait', '--out', join(home, 'no-such-dir', 't.json')], {
      env,
    });
    assert.equal(nowhere.code, 2, nowhere.stderr);
    assert.match(nowhere.stderr, /not a directory this user can write to/);
    const before = await runCli(['service-account', 'list', '--output', 'json'], { env });
    assert.ok(!before.stdout.includes('REQUESTED'), `no request was made: ${before.stdout}`);
    const waiting = startCli(['service-account', 'authorize', 'ci-bot', '--wait', '--out', tokenFile()]);
    const code = await waiting.firstLine();
    assert.match(code, /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    const granted = await runCli(['service-account', 'grant', code], { env });
    assert.equal(granted.code, 0, granted.stderr);
    const result = await waiting.done;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /user code [A-Z]{4}-[A-Z]{4} at https?:\/\//);
    assert.match(result.stderr, /Granted: the first refresh token is in/);
    const saved = JSON.parse(await readFile(tokenFile(), 'utf8'));
    assert.equal(saved.token_type, 'Service Account');
    assert.equal(typeof saved.refresh_token, 'string');
    assert.equal((await stat(tokenFile())).mode & 0o777, 0o600);
    const list = await runCli(['service-account', 'list', '--output', 'json'], { env });
    assert.equal(JSON.parse(list.stdout).find((a: { name: string }) => a.name === 'ci-bot').status, 'ACTIVE');
  });

  test('token trades the file for an access token and rotates the file', async () => {
    const before = JSON.parse(await readFile(tokenFile(), 'utf8')).refresh_token;
    const r = await runCli(['service-account', 'token', '--token-file', tokenFile(), ...server()], {
      env: { XDG_CONFIG_HOME: join(home, 'none') },
    });
    assert.equal(r.code, 0, r.stderr);
    const accessToken = r.stdout.trim();
    const after = JSON.parse(await readFile(tokenFile(), 'utf8')).refresh_token;
    assert.notEqual(after, before, 'the file holds the rotated token');
    const res = await fetch(`${tessera.baseUrl}/cloudapi/1.0.0/sessions/current`, {
      headers: { Authorization: `Bearer ${accessToken}`, Accept: 'application/json;version=37.0' },
    });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { user: { name: string } }).user.name, 'ci-bot');
  });

  test('deny, revoke and delete', async () => {
    const denied = startCli(['service-account', 'authorize', 'ci-bot', '--wait', '--out', join(home, 'never.json')]);
    // ACTIVE accounts are refused: revoke first.
    assert.notEqual((await denied.done).code, 0);
    // A name in another case names the same account: the server keeps names unique regardless of case (until
    // 2026-12-05 the CLI compared exactly and answered "No service account named").
    const revoked = await runCli(['service-account', 'revoke', 'CI-Bot'], { env });
    assert.equal(revoked.code, 0, revoked.stderr);
    const spent = await runCli(['service-account', 'token', '--token-file', tokenFile(), ...server()], { env });
    assert.equal(spent.code, 3, 'the revoked token is refused');
    // The way back for a service account is the device flow, not `tessera token create` (the hint until 2026-12-05).
    assert.match(spent.stderr, /start the device flow again \(tessera service-account authorize ACCOUNT/);
    assert.doesNotMatch(spent.stderr, /token create/);
    // Any other command given the file names the device flow too (until 2026-12-05 only `token create`).
    const viaVms = await runCli(['vms', '--token-file', tokenFile(), ...server()], { env });
    assert.equal(viaVms.code, 3, viaVms.stderr);
    assert.match(viaVms.stderr, /authorize the account again \(tessera service-account authorize ACCOUNT --wait\)/);

    const again = startCli(['service-account', 'authorize', 'ci-bot', '--wait', '--out', join(home, 'never.json')]);
    const code = await again.firstLine();
    const deny = await runCli(['service-account', 'grant', code, '--deny'], { env });
    assert.equal(deny.code, 0, deny.stderr);
    const result = await again.done;
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /access_denied/);
    await assert.rejects(stat(join(home, 'never.json')), { code: 'ENOENT' });

    const deleted = await runCli(['service-account', 'delete', 'ci-bot'], { env });
    assert.equal(deleted.code, 0, deleted.stderr);
    const list = await runCli(['service-account', 'list', '--output', 'json'], { env });
    assert.deepEqual(JSON.parse(list.stdout), []);
  });
});
