/**
 * Acceptance: the `tessera` binary against a real Tessera over HTTPS with its self-signed certificate,
 * as a person or a pipeline would use it: login (password and TOTP from the environment), token create/list/
 * regenerate/revoke, headers, vms, logout; exit codes and what goes to stdout versus stderr.
 */
import { tokenListStatus } from '../../src/cli/token.js';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:https';
import { after, before, describe, test } from 'node:test';
import { totpCode } from '../../src/auth/totp.js';
import { isWellFormedApiToken } from '../../src/domain/api-token-format.js';
import { VcdClient } from '../../src/client/index.js';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { runCli, runCliOnTerminal } from './run-cli.js';

let tessera: TesseraHandle;
let home: string;
let env: Record<string, string>;
const server = () => ['--endpoint', tessera.baseUrl, '--org', 'acme', '--insecure'];

before(async () => {
  tessera = await startTessera({ https: true });
  home = await mkdtemp(join(tmpdir(), 'tessera-cli-'));
  env = { XDG_CONFIG_HOME: join(home, 'config'), TESSERA_PASSWORD: tessera.demoPassword };
});
after(async () => {
  await tessera.stop();
  await rm(home, { recursive: true, force: true });
});

/** Reads a response the way a script would, through the self-signed certificate. */
function status(path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${tessera.baseUrl}${path}`, { headers, rejectUnauthorized: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('tessera CLI against Tessera', () => {
  const sessionFile = () => join(home, 'config', 'tessera', 'session.json');
  const tokenFile = () => join(home, 'ci-token.json');

  test('login with a wrong password exits 3 and saves nothing', async () => {
    const result = await runCli(['login', ...server(), '--user', 'alice'], { env: { ...env, TESSERA_PASSWORD: 'wrong' } });
    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stderr, /401/);
    await assert.rejects(stat(sessionFile()), { code: 'ENOENT' });
  });

  test('a malformed --api-version (or TESSERA_API_VERSION) is a usage error that names the flag (exit 2), before any request', async () => {
    // Until 2026-12-06 the SDK's own check answered, naming its option "apiVersion", which no CLI user typed.
    for (const [args, extraEnv] of [
      [['vms', ...server(), '--api-version', 'abc'], {}],
      [['vms', ...server()], { TESSERA_API_VERSION: 'v37' }],
    ] as const) {
      const result = await runCli([...args], { env: { ...env, ...extraEnv } });
      assert.equal(result.code, 2, result.stderr);
      assert.match(
        result.stderr,
        /--api-version <version>' (argument 'abc'|value 'v37' from env 'TESSERA_API_VERSION') is invalid\. it must look like 37\.0/,
      );
    }
  });

  test('login without a terminal or password says how to give one (exit 2)', async () => {
    const result = await runCli(['login', ...server(), '--user', 'alice'], { env: { ...env, TESSERA_PASSWORD: undefined } });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /TESSERA_PASSWORD or use --password-stdin/);
  });

  test('login saves the session in a 0600 file in a 0700 directory', async () => {
    const result = await runCli(['login', ...server(), '--user', 'alice'], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /Signed in to https:\/\/127\.0\.0\.1:\d+ as alice@acme \(Organization Administrator\)/);
    assert.equal((await stat(sessionFile())).mode & 0o777, 0o600);
    assert.equal((await stat(join(home, 'config', 'tessera'))).mode & 0o777, 0o700);
    const saved = JSON.parse(await readFile(sessionFile(), 'utf8')) as { accessToken: string; user: string };
    assert.equal(saved.user, 'alice');
    assert.ok(saved.accessToken.length > 32);
  });

  test('a failed login keeps the saved session and says whose it is; its hint is not to log in again', async () => {
    const result = await runCli(['login', ...server(), '--user', 'bob'], { env: { ...env, TESSERA_PASSWORD: 'wrong' } });
    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stderr, /Check the endpoint, the org, the user name \(without @org\) and the password\./);
    assert.doesNotMatch(result.stderr, /Sign in again/, 'the general 401 hint would send the user round in a circle');
    // Until 2026-12-05 nothing said so, and the next command ran as alice.
    assert.match(result.stderr, /Still signed in as alice@acme at https:\/\/127\.0\.0\.1:\d+: the other commands keep using that session/);
    const saved = JSON.parse(await readFile(sessionFile(), 'utf8')) as { user: string };
    assert.equal(saved.user, 'alice');
  });

  test('--password-stdin reads the password from a pipe', async () => {
    const result = await runCli(['login', ...server(), '--user', 'alice', '--password-stdin'], {
      env: { ...env, TESSERA_PASSWORD: undefined },
      input: `${tessera.demoPassword}\n`,
    });
    assert.equal(result.code, 0, result.stderr);
  });

  test('on a terminal, the password is asked without echo', async () => {
    const result = await runCliOnTerminal(['login', ...server(), '--user', 'alice'], {
      env: { ...env, TESSERA_PASSWORD: undefined },
      answers: [{ when: /Password for alice@acme: $/, send: `${tessera.demoPassword}\r` }],
    });
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, /Signed in to .* as alice@acme/);
    assert.ok(!result.output.includes(tessera.demoPassword), 'the password was not echoed');
  });

  test('token create --out writes {"refresh_token"} mode 0600 and prints no secret', async () => {
    const result = await runCli(['token', 'create', 'ci', '--expires', '90d', '--out', tokenFile()], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, '');
    assert.equal((await stat(tokenFile())).mode & 0o777, 0o600);
    const file = JSON.parse(await readFile(tokenFile(), 'utf8')) as { refresh_token: string };
    assert.deepEqual(Object.keys(file), ['refresh_token']);
    assert.ok(isWellFormedApiToken(file.refresh_token));
    assert.ok(!result.stderr.includes(file.refresh_token));
    assert.match(result.stderr, /Created API token "ci" \(urn:vcloud:token:[0-9a-f-]{36}\), expires \d{4}-/);
  });

  test('token create --out refuses an existing file before minting anything', async () => {
    const before = await readFile(tokenFile(), 'utf8');
    const result = await runCli(['token', 'create', 'second', '--out', tokenFile()], { env });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /exists: pass --force/);
    assert.equal(await readFile(tokenFile(), 'utf8'), before);
    const list = await runCli(['token', 'list', '--output', 'json'], { env });
    assert.ok(!(JSON.parse(list.stdout) as Array<{ name: string }>).some((t) => t.name === 'second'));
  });

  test('token create --out --force: a failed mint leaves the file as it was; a new token lands in a 0600 file', async () => {
    const file = join(tmpdir(), `tessera-force-${process.pid}.json`);
    await writeFile(file, '{"refresh_token":"the-old-one"}\n', { mode: 0o644 });
    // A duplicate name: the mint fails. Until 2026-12-05 the file (and the token it held) was deleted.
    const failed = await runCli(['token', 'create', 'second-dup', '--out', file, '--force'], { env });
    if (failed.code === 0) {
      const again = await runCli(['token', 'create', 'second-dup', '--out', file, '--force'], { env });
      assert.notEqual(again.code, 0, 'the same name twice is refused');
      assert.ok(isWellFormedApiToken(JSON.parse(await readFile(file, 'utf8')).refresh_token), 'the first token is still there');
    } else {
      assert.equal(await readFile(file, 'utf8'), '{"refresh_token":"the-old-one"}\n');
    }
    const made = await runCli(['token', 'create', 'forced-new', '--out', file, '--force'], { env });
    assert.equal(made.code, 0, made.stderr);
    assert.ok(isWellFormedApiToken(JSON.parse(await readFile(file, 'utf8')).refresh_token));
    assert.equal((await stat(file)).mode & 0o777, 0o600, 'not the 0644 of the file it replaced');
    await rm(file, { force: true });
    // The later list tests count this user's tokens.
    for (const name of ['second-dup', 'forced-new']) assert.equal((await runCli(['token', 'revoke', name], { env })).code, 0, name);
  });

  test('token create prints the token alone on stdout', async () => {
    const result = await runCli(['token', 'create', 'laptop'], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(isWellFormedApiToken(result.stdout.trim()));
    assert.match(result.stderr, /not shown again/);
    // No --expires: VCD's "never", said, with how to make one that ends (until 2026-12-06 nothing was said).
    assert.match(result.stderr, /never expires \(pass --expires 90d/);
    const bad = await runCli(['token', 'create', 'later', '--expires', 'soon'], { env });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--expires takes a duration/);
  });

  test('token list: a table and JSON', async () => {
    const table = await runCli(['token', 'list'], { env });
    assert.equal(table.code, 0, table.stderr);
    const [header, ...rows] = table.stdout.trimEnd().split('\n');
    assert.match(header!, /^NAME\s+ID\s+OWNER\s+STARTS\s+CREATED\s+EXPIRES\s+LAST USED\s+SCOPE\s+STATUS$/);
    assert.ok(rows.some((row) => /^ci\s+urn:vcloud:token:/.test(row)));
    assert.ok(rows.some((row) => /^laptop\s.*\bnever\b/.test(row)));
    assert.ok(!rows.some((row) => /expires soon/.test(row)), 'no token of this list expires within seven days');
    const json = JSON.parse((await runCli(['token', 'list', '--output', 'json'], { env })).stdout) as Array<{
      name: string;
      token: unknown;
    }>;
    assert.deepEqual(json.map((t) => t.name).sort(), ['ci', 'laptop']);
    assert.ok(json.every((t) => t.token === null));
  });

  test('token list flags a token expiring within seven days ("expires soon")', async () => {
    const created = await runCli(['token', 'create', 'short-lived', '--expires', '3d'], { env });
    assert.equal(created.code, 0, created.stderr);
    const table = await runCli(['token', 'list'], { env });
    const rows = table.stdout.trimEnd().split('\n').slice(1);
    assert.ok(
      rows.some((row) => /^short-lived\s.*\sexpires soon$/.test(row)),
      table.stdout,
    );
    assert.ok(
      rows.some((row) => /^ci\s/.test(row) && !/expires soon/.test(row)),
      'a 90-day token is not flagged',
    );
    assert.equal(tokenListStatus('2020-01-01T00:00:00Z', Date.now()), 'expired');
    assert.equal(tokenListStatus(null, Date.now()), null);
    assert.equal(tokenListStatus(new Date(Date.now() + 60_000).toISOString(), Date.now(), true), 'not issued');
    const revoked = await runCli(['token', 'revoke', 'short-lived'], { env });
    assert.equal(revoked.code, 0, revoked.stderr);
  });

  test('token create --scope narrows the token; the list shows its scope', async () => {
    const created = await runCli(['token', 'create', 'viewer', '--scope', 'read-only'], { env });
    assert.equal(created.code, 0, created.stderr);
    const json = JSON.parse((await runCli(['token', 'list', '--output', 'json'], { env })).stdout) as Array<{
      name: string;
      scope: string | null;
    }>;
    assert.equal(json.find((t) => t.name === 'viewer')?.scope, 'read-only');
    assert.equal(json.find((t) => t.name === 'laptop')?.scope, null);
    const revoked = await runCli(['token', 'revoke', 'viewer'], { env });
    assert.equal(revoked.code, 0, revoked.stderr);
  });

  test('headers: export lines that work with curl-style requests; json and powershell', async () => {
    const result = await runCli(['headers', '--token-file', tokenFile(), ...server()], { env });
    assert.equal(result.code, 0, result.stderr);
    const vars = Object.fromEntries(
      execFileSync('sh', ['-c', `${result.stdout}\nenv`], { encoding: 'utf8' })
        .split('\n')
        .filter((line) => line.startsWith('VCD_'))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    assert.equal(vars.VCD_ENDPOINT, tessera.baseUrl);
    assert.equal(vars.VCD_CLOUDAPI_ACCEPT, 'application/json;version=37.0');
    assert.equal(
      await status('/cloudapi/1.0.0/sessions/current', { Authorization: vars.VCD_AUTHORIZATION!, Accept: vars.VCD_CLOUDAPI_ACCEPT! }),
      200,
    );
    assert.equal(await status('/api/session', { Authorization: vars.VCD_AUTHORIZATION!, Accept: vars.VCD_API_ACCEPT! }), 200);

    const json = await runCli(['headers', '--token-file', tokenFile(), ...server(), '--format', 'json'], { env });
    assert.equal(JSON.parse(json.stdout).api.Accept, 'application/*+xml;version=37.0');
    const ps = await runCli(['headers', '--token-file', tokenFile(), ...server(), '--format', 'powershell'], { env });
    assert.match(ps.stdout, /^\$headers = @\{ 'Authorization' = 'Bearer .{33,}'; 'Accept' = 'application\/\*\+xml;version=37\.0' \}$/m);
  });

  test('headers: usage errors exit 2 before any request', async () => {
    const noToken = await runCli(['headers', ...server()], { env });
    assert.equal(noToken.code, 2);
    assert.match(noToken.stderr, /--token-file is required/);
    const missing = await runCli(['headers', '--token-file', join(home, 'nope.json'), ...server()], { env });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /Cannot read the token file .*ENOENT/);
    const badFormat = await runCli(['headers', '--token-file', tokenFile(), ...server(), '--format', 'yaml'], { env });
    assert.equal(badFormat.code, 2);
  });

  test('a world-readable token file still works but draws a warning', async () => {
    const loose = join(home, 'loose.json');
    await writeFile(loose, await readFile(tokenFile(), 'utf8'), { mode: 0o644 });
    const result = await runCli(['headers', '--token-file', loose, ...server()], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /readable by other users .*chmod 600/);
  });

  test('vms: json, xml and table with a token file; no progress output when piped', async () => {
    const json = await runCli(['vms', '--token-file', tokenFile(), ...server(), '--output', 'json', '--page-size', '2'], { env });
    assert.equal(json.code, 0, json.stderr);
    assert.equal(json.stderr, '', 'nothing on stderr when it is not a terminal');
    const vms = JSON.parse(json.stdout) as Array<{ name: string; href: string }>;
    assert.ok(vms.length > 2, 'more than one page');
    assert.equal(new Set(vms.map((vm) => vm.href)).size, vms.length);

    const xml = await runCli(['vms', '--token-file', tokenFile(), ...server(), '--output', 'xml', '--page-size', '2'], { env });
    assert.equal(xml.code, 0, xml.stderr);
    assert.match(xml.stdout, new RegExp(`<QueryResultRecords xmlns="http://www.vmware.com/vcloud/v1.5" total="${vms.length}" name="vm">`));
    assert.equal((xml.stdout.match(/<VMRecord /g) ?? []).length, vms.length);

    const table = await runCli(['vms', ...server(), '--sort', 'name'], { env });
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^NAME\s+STATUS\s+VAPP\s+VDC\s+CPUS\s+MEMORY MB\s+OWNER\s+IP$/);
    assert.equal(lines.length, vms.length + 1);
    const names = lines.slice(1).map((line) => line.split(/\s+/)[0]!);
    assert.deepEqual(names, [...names].sort());
  });

  test('vms --output json: a refused token leaves stdout empty (no lone "[" for jq), a filter matching nothing is []', async () => {
    const refused = await runCli(['vms', ...server(), '--output', 'json'], { env: { ...env, TESSERA_API_TOKEN: 'not-a-token' } });
    assert.equal(refused.code, 3, refused.stderr);
    assert.equal(refused.stdout, '', 'until 2026-12-05 a lone "[" was written before the exchange');
    assert.match(refused.stderr, /invalid_grant|Invalid refresh token/);
    const none = await runCli(['vms', '--token-file', tokenFile(), ...server(), '--output', 'json', '--filter', 'name==no-such-vm'], {
      env,
    });
    assert.equal(none.code, 0, none.stderr);
    assert.deepEqual(JSON.parse(none.stdout), []);
  });

  test('vms on a terminal shows a progress line on stderr', async () => {
    const result = await runCliOnTerminal(['vms', '--token-file', tokenFile(), ...server(), '--output', 'json', '--page-size', '2']);
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, /\r\u001b\[2KVMs: 2\/\d+/);
  });

  test('token regenerate: --grace keeps the old token working, --out --force swaps the file, no grace stops it at once', async () => {
    const file = join(home, 'rotate-token.json');
    const created = await runCli(['token', 'create', 'rotate-me', '--expires', '30d', '--out', file], { env });
    assert.equal(created.code, 0, created.stderr);
    const first = await readFile(file, 'utf8');
    const oldFile = join(home, 'rotate-old.json');
    await writeFile(oldFile, first, { mode: 0o600 });

    const refused = await runCli(['token', 'regenerate', 'rotate-me', '--out', file], { env });
    assert.equal(refused.code, 2, 'an existing --out without --force is refused before anything changes');
    assert.match(refused.stderr, /exists: pass --force/);
    assert.equal(await readFile(file, 'utf8'), first);
    const tooLong = await runCli(['token', 'regenerate', 'rotate-me', '--grace', '8d'], { env });
    assert.equal(tooLong.code, 2);
    assert.match(tooLong.stderr, /--grace is at most 7 days/);

    const graced = await runCli(['token', 'regenerate', 'rotate-me', '--grace', '1d', '--out', file, '--force'], { env });
    assert.equal(graced.code, 0, graced.stderr);
    assert.equal(graced.stdout, '');
    assert.match(graced.stderr, /Regenerated API token "rotate-me": new id urn:vcloud:token:[0-9a-f-]{36}, expires \d{4}-/);
    // The old token is named by its id, with the command that stops it sooner: once both carry the name, the
    // name no longer picks one.
    const oldId = /The old token \((urn:vcloud:token:[0-9a-f-]{36})\) keeps working until \d{4}-\d{2}-\d{2}T/.exec(graced.stderr)?.[1];
    assert.ok(oldId, graced.stderr);
    assert.ok(graced.stderr.includes(`to stop it sooner: tessera token revoke ${oldId}`), graced.stderr);
    const second = JSON.parse(await readFile(file, 'utf8')) as { refresh_token: string };
    assert.ok(isWellFormedApiToken(second.refresh_token));
    assert.notEqual(JSON.stringify(second), first.trim());
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.ok(!graced.stderr.includes(second.refresh_token));
    assert.equal((await runCli(['vms', '--token-file', file, ...server()], { env })).code, 0, 'the new token works');
    assert.equal((await runCli(['vms', '--token-file', oldFile, ...server()], { env })).code, 0, 'the old one, in its grace, too');
    const listed = JSON.parse((await runCli(['token', 'list', '--output', 'json'], { env })).stdout) as Array<{ name: string }>;
    assert.equal(listed.filter((t) => t.name === 'rotate-me').length, 2, 'the old token is listed until its grace ends');
    // The table shows ids whole, so one can be copied into the next command.
    const table = await runCli(['token', 'list'], { env });
    assert.equal(table.code, 0, table.stderr);
    assert.ok(
      table.stdout.split('\n').some((line) => line.includes(oldId!) && line.startsWith('rotate-me')),
      table.stdout,
    );

    // The replaced token cannot be regenerated again; the name now names two tokens, the id picks one.
    const ambiguous = await runCli(['token', 'regenerate', 'rotate-me'], { env });
    assert.notEqual(ambiguous.code, 0);
    assert.match(ambiguous.stderr, /2 API tokens are named "rotate-me"/);
    // Each is told apart by its id, creation and expiry (the old one's expiry is the end of its grace).
    assert.match(ambiguous.stderr, new RegExp(`${oldId} \\(alice@acme, created \\d{4}-[^,]+, expires \\d{4}-`));
    // The printed command stops the old token before its grace ends.
    const early = await runCli(['token', 'revoke', oldId!], { env });
    assert.equal(early.code, 0, early.stderr);
    assert.equal((await runCli(['vms', '--token-file', oldFile, ...server()], { env })).code, 3, 'the old token stopped early');

    const newId = /new id (urn:vcloud:token:[0-9a-f-]{36})/.exec(graced.stderr)![1]!;
    const now = await runCli(['token', 'regenerate', newId], { env });
    assert.equal(now.code, 0, now.stderr);
    const third = now.stdout.trim();
    assert.ok(isWellFormedApiToken(third), 'printed alone on stdout');
    assert.match(now.stderr, /The old token and its sessions have stopped\./);
    assert.equal((await runCli(['vms', '--token-file', file, ...server()], { env })).code, 3, 'no grace: the second token stopped');
    await runCli(['token', 'revoke', /new id (urn:vcloud:token:[0-9a-f-]{36})/.exec(now.stderr)![1]!], { env });
  });

  test('token regenerate --expires gives the new token another expiry, or none with never; a bad one changes nothing', async () => {
    const created = await runCli(['token', 'create', 'reexpire', '--expires', '1d'], { env });
    assert.equal(created.code, 0, created.stderr);
    const bad = await runCli(['token', 'regenerate', 'reexpire', '--expires', 'soon'], { env });
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /--expires takes a duration/);
    const longer = await runCli(['token', 'regenerate', 'reexpire', '--expires', '90d'], { env });
    assert.equal(longer.code, 0, longer.stderr);
    const expiry = /, expires (\S+)\. /.exec(longer.stderr)?.[1];
    assert.ok(expiry && Math.abs(Date.parse(expiry) - (Date.now() + 90 * 86_400_000)) < 120_000, longer.stderr);
    const newId = /new id (urn:vcloud:token:[0-9a-f-]{36})/.exec(longer.stderr)![1]!;
    const never = await runCli(['token', 'regenerate', newId, '--expires', 'never'], { env });
    assert.equal(never.code, 0, never.stderr);
    assert.match(never.stderr, /, never expires\. /);
    await runCli(['token', 'revoke', /new id (urn:vcloud:token:[0-9a-f-]{36})/.exec(never.stderr)![1]!], { env });
  });

  test('token revoke by name; the revoked token file then exits 3 with a clear message', async () => {
    const result = await runCli(['token', 'revoke', 'ci'], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Revoked API token "ci" \(urn:vcloud:token:[0-9a-f-]{36}\) of alice@acme/);
    const after = await runCli(['vms', '--token-file', tokenFile(), ...server()], { env });
    assert.equal(after.code, 3);
    assert.match(after.stderr, /API token was refused .* revoked/);
    assert.match(after.stderr, /tessera token create/);
    const again = await runCli(['token', 'revoke', 'ci'], { env });
    assert.equal(again.code, 4);
    assert.match(again.stderr, /No API token named "ci"/);
  });

  test('logout ends the session on the server and removes the file', async () => {
    const saved = JSON.parse(await readFile(sessionFile(), 'utf8')) as { accessToken: string };
    const result = await runCli(['logout'], { env });
    assert.equal(result.code, 0, result.stderr);
    await assert.rejects(stat(sessionFile()), { code: 'ENOENT' });
    assert.equal(
      await status('/cloudapi/1.0.0/sessions/current', {
        Authorization: `Bearer ${saved.accessToken}`,
        Accept: 'application/json;version=37.0',
      }),
      401,
    );
    const list = await runCli(['token', 'list'], { env });
    assert.equal(list.code, 3);
    assert.match(list.stderr, /Not signed in/);
    const twice = await runCli(['logout'], { env });
    assert.equal(twice.code, 0);
  });

  test('login with TOTP from TESSERA_TOTP; without it and no terminal, exit 3', async () => {
    const { client } = await VcdClient.signIn({
      endpoint: tessera.baseUrl,
      org: 'globex',
      user: 'hank',
      password: tessera.demoPassword,
      insecure: true,
    });
    const { secret } = JSON.parse((await client.request('/cloudapi/1.0.0/users/current/totp', { method: 'POST' })).body) as {
      secret: string;
    };
    await client.request('/cloudapi/1.0.0/users/current/totp/confirm', {
      method: 'POST',
      contentType: 'application/json',
      body: JSON.stringify({ code: totpCode(secret) }),
    });
    const args = ['login', '--endpoint', tessera.baseUrl, '--org', 'globex', '--user', 'hank', '--insecure'];
    const without = await runCli(args, { env });
    assert.equal(without.code, 3);
    assert.match(without.stderr, /needs a TOTP code: set TESSERA_TOTP/);
    const code = totpCode(secret, Date.now() + 30_000);
    const withCode = await runCli(args, { env: { ...env, TESSERA_TOTP: code } });
    assert.equal(withCode.code, 0, withCode.stderr);
    assert.match(withCode.stderr, /as hank@globex/);
    // The same code again is refused (a code signs in once): the hint says what to give instead (until 2026-12-07
    // there was none, and a script that signed in twice within 30 s left its author guessing).
    const reused = await runCli(args, { env: { ...env, TESSERA_TOTP: code } });
    assert.equal(reused.code, 3);
    assert.match(
      reused.stderr,
      /TOTP_INVALID: .*\n {2}Give the next code of your authenticator app \(each code signs in once; a new one comes every 30 s\), or an unused recovery code\.\n/,
    );
  });

  test('an unreachable server exits 5; a self-signed one without --insecure says so', async () => {
    const unreachable = await runCli(['headers', '--token-file', tokenFile(), '--endpoint', 'https://127.0.0.1:1', '--org', 'acme'], {
      env,
    });
    assert.equal(unreachable.code, 5);
    assert.match(unreachable.stderr, /Cannot reach https:\/\/127\.0\.0\.1:1/);
    const untrusted = await runCli(['login', '--endpoint', tessera.baseUrl, '--org', 'acme', '--user', 'alice'], { env });
    assert.equal(untrusted.code, 5);
    assert.match(untrusted.stderr, /not trusted .*--insecure/);
  });
});

describe('tessera --help', () => {
  const commands = [
    ['login'],
    ['logout'],
    ['token'],
    ['token', 'create'],
    ['token', 'list'],
    ['token', 'revoke'],
    ['token', 'regenerate'],
    ['headers'],
    ['vms'],
    ['scan'],
  ];
  for (const command of commands) {
    test(`${command.join(' ')} --help shows examples and exits 0`, async () => {
      const result = await runCli([...command, '--help']);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /Examples:\n\s+\$ .*\btessera /);
    });
  }
});
