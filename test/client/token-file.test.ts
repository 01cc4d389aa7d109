/**
 * A rotating service-account token file (issue 13): `VcdClient({ tokenFile })` reads govcd's format, exchanges
 * the refresh token, and writes the rotated one back atomically (temp file beside it, fsync, rename; mode 0600),
 * so the file always holds the one live token. Against a real Tessera with a service account made by the device flow.
 */
import assert from 'node:assert/strict';
import { lstat, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readTokenFile, VcdClient, VcdApiError, VcdClientError, writeTokenFile } from '../../src/client/index.js';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { http, signIn } from '../helpers/api.js';

const SOFTWARE_ID = '12345678-1234-1234-1234-1234567890ab';

describe('service-account token files', () => {
  let tessera: TesseraHandle;
  let dir: string;

  before(async () => {
    tessera = await startTessera({ config: { accessTokenTtlSeconds: 2 } });
    dir = await mkdtemp(join(tmpdir(), 'tessera-token-file-'));
  });
  after(async () => {
    await tessera?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** register -> device_authorization -> grant -> device_code grant: the account's first refresh token. */
  async function firstRefreshToken(name: string): Promise<string> {
    const base = tessera.baseUrl;
    // Access tokens live 2 s here: a fresh session for each account.
    const alice = await signIn(base, 'alice', 'acme', tessera.demoPassword);
    const auth = { Authorization: `Bearer ${alice}` };
    const reg = await http(`${base}/oauth/tenant/acme/register`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ client_name: name, scope: 'urn:vcloud:role:vApp%20Author', software_id: SOFTWARE_ID }),
    });
    assert.equal(reg.status, 200, reg.text);
    const clientId = reg.json().client_id as string;
    const device = await http(`${base}/oauth/tenant/acme/device_authorization`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams({ client_id: clientId }),
    });
    assert.equal(device.status, 200, device.text);
    const grant = await http(`${base}/cloudapi/1.0.0/deviceLookup/grant`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json', Accept: 'application/json;version=37.0' },
      body: JSON.stringify({ userCode: device.json().user_code }),
    });
    assert.equal(grant.status, 204, grant.text);
    const first = await http(`${base}/oauth/tenant/acme/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        client_id: clientId,
        device_code: device.json().device_code,
      }),
    });
    assert.equal(first.status, 200, first.text);
    return first.json().refresh_token as string;
  }

  test('the client exchanges the file token and writes the rotated one back (govcd format, 0600, no temp file left)', async () => {
    const file = join(dir, 'sa.json');
    const first = await firstRefreshToken('sdk-file');
    await writeFile(
      file,
      JSON.stringify({ token_type: 'Service Account', refresh_token: first, updated_by: 'govcd', updated_on: '2026-01-01T00:00:00Z' }),
      { mode: 0o644 },
    );
    const rotations: string[] = [];
    const client = new VcdClient({
      endpoint: tessera.baseUrl,
      org: 'acme',
      tokenFile: file,
      onApiTokenRotated: (t) => void rotations.push(t),
    });
    const session = await client.currentSession();
    assert.equal(session.user?.name, 'sdk-file');

    const saved = JSON.parse(await readFile(file, 'utf8'));
    assert.equal(saved.token_type, 'Service Account');
    assert.equal(typeof saved.refresh_token, 'string');
    assert.notEqual(saved.refresh_token, first, 'rotated');
    assert.deepEqual(rotations, [saved.refresh_token]);
    assert.match(saved.updated_on, /^\d{4}-\d{2}-\d{2}T/);
    assert.equal(saved.updated_by, 'tessera-client');
    assert.equal((await stat(file)).mode & 0o777, 0o600, 'the file is 0600 after the rewrite');
    assert.deepEqual(await readdir(dir), ['sa.json'], 'no temporary file is left behind');

    // After the access token expires, the client exchanges again with the saved token, and saves the next one.
    await new Promise((resolve) => setTimeout(resolve, 2100));
    await client.currentSession();
    const next = JSON.parse(await readFile(file, 'utf8')).refresh_token;
    assert.notEqual(next, saved.refresh_token);
    assert.equal(rotations.length, 2);

    // Another process (a second client on the same file) picks up the live token from the file.
    const other = new VcdClient({ endpoint: tessera.baseUrl, org: 'acme', tokenFile: file });
    assert.equal((await other.currentSession()).user?.name, 'sdk-file');
    assert.notEqual(JSON.parse(await readFile(file, 'utf8')).refresh_token, next);
  });

  test('a spent token in the file is refused (reuse), and a bad file is a clear client error', async () => {
    const file = join(dir, 'spent.json');
    const first = await firstRefreshToken('sdk-spent');
    await writeFile(file, JSON.stringify({ refresh_token: first }), { mode: 0o600 });
    await new VcdClient({ endpoint: tessera.baseUrl, org: 'acme', tokenFile: file }).currentSession();
    // The successor used too, so the first token is past the grace window's "lost answer" case: reuse.
    await new VcdClient({ endpoint: tessera.baseUrl, org: 'acme', tokenFile: file }).currentSession();
    const stale = join(dir, 'stale.json');
    await writeFile(stale, JSON.stringify({ refresh_token: first }), { mode: 0o600 });
    await assert.rejects(
      new VcdClient({ endpoint: tessera.baseUrl, org: 'acme', tokenFile: stale }).currentSession(),
      (e: unknown) => e instanceof VcdApiError && e.code === 'ERR_VCD_INVALID_GRANT',
    );

    const broken = join(dir, 'broken.json');
    await writeFile(broken, '{"refresh_token": 42}');
    await assert.rejects(
      new VcdClient({ endpoint: tessera.baseUrl, org: 'acme', tokenFile: broken }).currentSession(),
      (e: unknown) => e instanceof VcdClientError && e.code === 'ERR_VCD_TOKEN_FILE' && /no "refresh_token" string/.test(e.message),
    );
    await assert.rejects(
      new VcdClient({ endpoint: tessera.baseUrl, org: 'acme', tokenFile: join(dir, 'missing.json') }).currentSession(),
      (e: unknown) => e instanceof VcdClientError && e.code === 'ERR_VCD_TOKEN_FILE' && /ENOENT/.test(e.message),
    );
    assert.throws(() => new VcdClient({ endpoint: tessera.baseUrl, org: 'acme', tokenFile: broken, apiToken: 'x' }), TypeError);
  });

  test('writeTokenFile replaces the file in one step and keeps it 0600; readTokenFile takes both formats', async () => {
    const file = join(dir, 'w.json');
    await writeFile(file, 'old-token\n', { mode: 0o640 });
    assert.equal(await readTokenFile(file), 'old-token');
    await writeTokenFile(file, 'new-token', 'my-tool');
    const saved = JSON.parse(await readFile(file, 'utf8'));
    assert.deepEqual(Object.keys(saved), ['token_type', 'refresh_token', 'updated_by', 'updated_on']);
    assert.equal(saved.refresh_token, 'new-token');
    assert.equal(saved.updated_by, 'my-tool');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal(await readTokenFile(file), 'new-token');
    // Many concurrent writers: the file is always one whole JSON document, never a mix.
    await Promise.all(Array.from({ length: 20 }, (_, i) => writeTokenFile(file, `token-${i}`)));
    assert.match(await readTokenFile(file), /^token-\d+$/);
    assert.deepEqual(
      (await readdir(dir)).filter((n) => n.endsWith('.tmp')),
      [],
    );
  });
});

test('through a symlink the target is rewritten, and the link stays a link', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-link-'));
  const target = join(dir, 'real.json');
  const link = join(dir, 'link.json');
  await writeTokenFile(target, 'first-token');
  await symlink(target, link);
  // Until 2026-12-05 the link became a file of its own, and the target kept the spent token.
  await writeTokenFile(link, 'second-token');
  assert.ok((await lstat(link)).isSymbolicLink());
  assert.equal(JSON.parse(await readFile(target, 'utf8')).refresh_token, 'second-token');
  assert.equal((await stat(target)).mode & 0o777, 0o600);
  await rm(dir, { recursive: true, force: true });
});
