/**
 * GitHub's secret scanning partner endpoint (POST /oauth/secret-scanning/github, docs/security.md "GitHub secret
 * scanning"): a message signed with a key of --github-secret-scanning-keys revokes the tokens it reports, as RFC 7009
 * revocation by value does, and answers GitHub's feedback by token hash; any message not so signed revokes nothing.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTessera, type TesseraHandle } from '../../helpers/tessera.js';
import { createApiToken, exchange, http, oauthPath, signIn } from '../../helpers/api.js';
import { reportUnavailable, selectedBackends } from '../../store/backends.js';
import { activeServiceAccount } from '../../helpers/service-account-flow.js';
import { generateApiToken } from '../../../src/domain/api-token-format.js';
import { loadConfig, ConfigError } from '../../../src/config.js';
import { spawn } from 'node:child_process';

const PATH = '/oauth/secret-scanning/github';
const KEY_ID = 'a'.repeat(63) + 'f';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function keyPair() {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
}

function keysFile(dir: string, keys: Array<{ id: string; key: KeyObject }>): string {
  const file = join(dir, 'github-keys.json');
  const public_keys = keys.map(({ id, key }) => ({
    key_identifier: id,
    key: key.export({ type: 'spki', format: 'pem' }).toString(),
    is_current: true,
  }));
  writeFileSync(file, JSON.stringify({ public_keys }));
  return file;
}

const signature = (body: string | Buffer, key: KeyObject) => sign('sha256', Buffer.from(body), key).toString('base64');

const match = (token: string, url = 'https://github.com/octocat/hello/blob/abc/config.env') => ({
  token,
  type: 'tessera_api_token',
  url,
  source: 'content',
});

for (const plan of selectedBackends()) {
  if (reportUnavailable(plan, 'GitHub secret scanning')) continue;

  describe(`GitHub secret scanning on ${plan.backend}`, () => {
    let t: TesseraHandle;
    let base: string;
    let alice: string;
    let dir: string;
    const { privateKey, publicKey } = keyPair();
    const stranger = keyPair();
    const logLines: string[] = [];

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'tessera-gh-keys-'));
      const file = keysFile(dir, [{ id: KEY_ID, key: publicKey }]);
      t = await startTessera({
        backend: plan.backend,
        config: { githubSecretScanningKeys: file, signInRateLimit: 1000, logLevel: 'warn' },
        logDestination: { write: (line: string) => void logLines.push(line) },
      });
      base = t.baseUrl;
      alice = await signIn(base, 'alice', 'acme', t.demoPassword);
    });
    after(async () => {
      await t?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const post = (body: string | Buffer, headers: Record<string, string>) =>
      http(`${base}${PATH}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body });
    const signed = (body: string, key: KeyObject = privateKey, id = KEY_ID) =>
      post(body, { 'GITHUB-PUBLIC-KEY-IDENTIFIER': id, 'GITHUB-PUBLIC-KEY-SIGNATURE': signature(body, key) });

    const auditOf = (type: string, tokenId: string) =>
      t.store.db
        .selectFrom('audit_events')
        .select(['details', 'actor_name'])
        .where('event_type', '=', type)
        .where('token_id', '=', tokenId)
        .execute();

    test('a signed batch revokes the live tokens it reports and labels each match', async () => {
      const live = await createApiToken(base, alice, 'acme', 'leaked-live');
      const revoked = await createApiToken(base, alice, 'acme', 'leaked-already');
      const holder = await http(`${base}${oauthPath('acme')}/revoke`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: revoked.apiToken }),
      });
      assert.equal(holder.status, 200);
      const account = (
        await activeServiceAccount({ register: base, grant: base, poll: base }, alice, 'leaked-robot', 'urn:vcloud:role:vApp%20Author')
      ).refreshToken;
      const strangerToken = generateApiToken(); // well-formed, not this installation's
      const untouched = await createApiToken(base, alice, 'acme', 'not-leaked');
      const batch = [match(live.apiToken), match(revoked.apiToken), match('not-a-token-at-all'), match(account), match(strangerToken)];
      const res = await signed(JSON.stringify(batch));
      assert.equal(res.status, 200, res.text);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      assert.deepEqual(res.json(), [
        { token_hash: sha256(live.apiToken), token_type: 'tessera_api_token', label: 'true_positive' },
        { token_hash: sha256(revoked.apiToken), token_type: 'tessera_api_token', label: 'true_positive' },
        { token_hash: sha256('not-a-token-at-all'), token_type: 'tessera_api_token', label: 'false_positive' },
        { token_hash: sha256(account), token_type: 'tessera_api_token', label: 'true_positive' },
        { token_hash: sha256(strangerToken), token_type: 'tessera_api_token', label: 'false_positive' },
      ]);
      for (const secret of [live.apiToken, account]) assert.ok(!res.text.includes(secret), 'the answer carries no token');
      assert.equal((await exchange(base, 'acme', live.apiToken)).json().minorErrorCode, 'invalid_grant');
      assert.equal((await exchange(base, 'acme', account)).json().minorErrorCode, 'invalid_grant');
      assert.equal((await exchange(base, 'acme', untouched.apiToken)).status, 200, 'a token not reported still works');

      const events = await auditOf('apiToken.revoked', live.clientId);
      assert.equal(events.length, 1);
      const details = JSON.parse(events[0]!.details);
      assert.equal(details.via, 'GitHub secret scanning');
      assert.equal(details.url, batch[0]!.url);
      assert.equal(details.source, 'content');
      assert.equal(events[0]!.actor_name, null);
      // The token revoked before is not revoked (nor audited) again.
      const before = await auditOf('apiToken.revoked', revoked.clientId);
      assert.equal(before.length, 1);
      assert.equal(JSON.parse(before[0]!.details).via, 'oauth revocation endpoint (token holder)');
      const robot = await t.store.db
        .selectFrom('audit_events')
        .select('details')
        .where('event_type', '=', 'serviceAccount.revoked')
        .execute();
      assert.ok(
        robot.some((e) => JSON.parse(e.details).via === 'GitHub secret scanning'),
        'the service account is revoked by GitHub secret scanning',
      );
    });

    test('the audited URL is bounded', async () => {
      const live = await createApiToken(base, alice, 'acme', 'leaked-long-url');
      const res = await signed(JSON.stringify([match(live.apiToken, `https://github.com/${'x'.repeat(5000)}`)]));
      assert.equal(res.status, 200, res.text);
      const [event] = await auditOf('apiToken.revoked', live.clientId);
      assert.equal(JSON.parse(event!.details).url.length, 500);
    });

    test('a message not signed by a trusted key revokes nothing: 401 in the OAuth format', async () => {
      const live = await createApiToken(base, alice, 'acme', 'leaked-unsigned');
      const body = JSON.stringify([match(live.apiToken)]);
      const other = JSON.stringify([match(live.apiToken, 'https://github.com/elsewhere')]);
      const attempts: Array<[string, Record<string, string>]> = [
        ['no headers', {}],
        ['no signature', { 'GITHUB-PUBLIC-KEY-IDENTIFIER': KEY_ID }],
        ['no key identifier', { 'GITHUB-PUBLIC-KEY-SIGNATURE': signature(body, privateKey) }],
        [
          'unknown key identifier',
          { 'GITHUB-PUBLIC-KEY-IDENTIFIER': 'b'.repeat(64), 'GITHUB-PUBLIC-KEY-SIGNATURE': signature(body, privateKey) },
        ],
        [
          'signed by another key',
          { 'GITHUB-PUBLIC-KEY-IDENTIFIER': KEY_ID, 'GITHUB-PUBLIC-KEY-SIGNATURE': signature(body, stranger.privateKey) },
        ],
        [
          'signature over another body',
          { 'GITHUB-PUBLIC-KEY-IDENTIFIER': KEY_ID, 'GITHUB-PUBLIC-KEY-SIGNATURE': signature(other, privateKey) },
        ],
        ['signature not base64', { 'GITHUB-PUBLIC-KEY-IDENTIFIER': KEY_ID, 'GITHUB-PUBLIC-KEY-SIGNATURE': '!!not base64!!' }],
        ['signature garbage', { 'GITHUB-PUBLIC-KEY-IDENTIFIER': KEY_ID, 'GITHUB-PUBLIC-KEY-SIGNATURE': 'AAAA' }],
      ];
      for (const [why, headers] of attempts) {
        const res = await post(body, headers);
        assert.equal(res.status, 401, `${why}: ${res.text}`);
        assert.equal(res.json().minorErrorCode, 'invalid_client', why);
        // RFC 6749 §5.2's field says the same as VCD's (it said invalid_request beside invalid_client).
        assert.equal(res.json().error, 'invalid_client', why);
        assert.ok(!res.text.includes(live.apiToken), why);
      }
      // The body with one byte more than was signed (a space GitHub did not send).
      const res = await post(`${body} `, {
        'GITHUB-PUBLIC-KEY-IDENTIFIER': KEY_ID,
        'GITHUB-PUBLIC-KEY-SIGNATURE': signature(body, privateKey),
      });
      assert.equal(res.status, 401);
      assert.equal((await exchange(base, 'acme', live.apiToken)).status, 200, 'still live');
      assert.deepEqual(await auditOf('apiToken.revoked', live.clientId), []);
    });

    test("a refusal's warning names the key identifier only when it is one: the sender's other text stays out of the log", async () => {
      const body = JSON.stringify([match(generateApiToken())]);
      const refusals = () =>
        logLines
          .map((line) => JSON.parse(line) as { msg?: string; reqId?: string; keyId?: unknown; keyIdLength?: unknown; problem?: string })
          .filter((line) => line.msg === 'GitHub secret scanning: message refused, nothing revoked');
      const forged = 'x problem=none msg=GitHub secret scanning: message accepted \u00c3\u009b[31m';
      const res = await post(body, { 'GITHUB-PUBLIC-KEY-IDENTIFIER': forged, 'GITHUB-PUBLIC-KEY-SIGNATURE': signature(body, privateKey) });
      assert.equal(res.status, 401);
      const line = refusals().find((l) => l.reqId === res.headers.get('x-vmware-vcloud-request-id'));
      assert.ok(line, JSON.stringify(refusals()));
      assert.equal(line.keyId, null);
      assert.equal(line.keyIdLength, forged.length);
      assert.equal(line.problem, 'unknown key identifier');
      assert.ok(!logLines.some((l) => l.includes('message accepted')), 'the header\u2019s text is in the log');
      // A hex identifier is logged as sent: which key GitHub (or someone) named is what an operator needs to know.
      const unknownKey = 'c'.repeat(64);
      const named = await post(body, {
        'GITHUB-PUBLIC-KEY-IDENTIFIER': unknownKey,
        'GITHUB-PUBLIC-KEY-SIGNATURE': signature(body, privateKey),
      });
      assert.equal(named.status, 401);
      const namedLine = refusals().find((l) => l.reqId === named.headers.get('x-vmware-vcloud-request-id'));
      assert.equal(namedLine?.keyId, unknownKey);
      assert.equal(namedLine?.keyIdLength, undefined);
    });

    test('a signed body that is not an array of matches: 400, nothing revoked', async () => {
      const live = await createApiToken(base, alice, 'acme', 'leaked-malformed');
      for (const body of [
        'not json',
        '{"token":"x"}',
        '[]',
        JSON.stringify([match(live.apiToken), { token: 7, type: 'x' }]),
        JSON.stringify([match(live.apiToken), { type: 'x' }]),
        `[{"token":"${live.apiToken}","token":"other","type":"x"}]`,
      ]) {
        const res = await signed(body);
        assert.equal(res.status, 400, `${body}: ${res.text}`);
        assert.equal(res.json().error, 'invalid_request');
        assert.ok(!res.text.includes(live.apiToken));
      }
      // Bytes that are not UTF-8, signed: refused like any other JSON body of Tessera's, not read with U+FFFD
      // in their place (until 2026-12-07 a 200 with the hash of a string GitHub never sent).
      const notUtf8 = Buffer.concat([
        Buffer.from(`[{"token":"${live.apiToken}","type":"x","url":"`),
        Buffer.from([0xff, 0xfe]),
        Buffer.from('"}]'),
      ]);
      const res = await post(notUtf8, {
        'GITHUB-PUBLIC-KEY-IDENTIFIER': KEY_ID,
        'GITHUB-PUBLIC-KEY-SIGNATURE': signature(notUtf8, privateKey),
      });
      assert.equal(res.status, 400, res.text);
      assert.match(res.json().message, /UTF-8/);
      assert.equal((await exchange(base, 'acme', live.apiToken)).status, 200, 'still live');
    });

    test('too many matches (400) or too many bytes (413): nothing revoked', async () => {
      const live = await createApiToken(base, alice, 'acme', 'leaked-big');
      const many = JSON.stringify(Array.from({ length: 1001 }, () => match(live.apiToken)));
      const tooMany = await signed(many);
      assert.equal(tooMany.status, 400, tooMany.text);
      assert.match(tooMany.json().message, /At most 1000 matches/);
      const big = JSON.stringify([match(live.apiToken, `https://github.com/${'y'.repeat(1024 * 1024)}`)]);
      const tooBig = await signed(big);
      assert.equal(tooBig.status, 413, tooBig.text);
      assert.equal((await exchange(base, 'acme', live.apiToken)).status, 200, 'still live');
    });
  });
}

describe('GitHub secret scanning: configuration', () => {
  test('without --github-secret-scanning-keys the endpoint does not exist: answered as an unknown path', async () => {
    const t = await startTessera({ demo: false });
    try {
      const headers = { 'GITHUB-PUBLIC-KEY-IDENTIFIER': KEY_ID, 'GITHUB-PUBLIC-KEY-SIGNATURE': 'AAAA' };
      const empty = await http(`${t.baseUrl}${PATH}`, { method: 'POST', headers });
      assert.equal(empty.status, 404, empty.text);
      assert.equal(empty.json().minorErrorCode, 'RESOURCE_NOT_FOUND');
      const unknown = await http(`${t.baseUrl}/oauth/secret-scanning/nowhere`, { method: 'POST', headers });
      assert.equal(unknown.status, 404);
      assert.equal(empty.json().message, unknown.json().message.replace('nowhere', 'github'), 'the router\u2019s own words');
      // GitHub's message, signed or not: nothing is read, nothing counted.
      const batch = await http(`${t.baseUrl}${PATH}`, {
        method: 'POST',
        headers: { ...headers, 'Content-Type': 'application/json' },
        body: JSON.stringify([match(generateApiToken())]),
      });
      assert.equal(batch.status, 404, batch.text);
      // The served contract says so: a client generated from it (or a conformance check) must expect this 404.
      const document = (await http(`${t.baseUrl}/tessera/openapi.json`)).json();
      assert.ok(document.paths[PATH].post.responses['404'], 'the OpenAPI document declares the 404');
    } finally {
      await t.stop();
    }
  });

  test('a missing or bad keys file is a configuration problem naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-gh-keys-'));
    try {
      const notJson = join(dir, 'bad.json');
      writeFileSync(notJson, 'hello');
      const rsa = join(dir, 'rsa.json');
      const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
      writeFileSync(
        rsa,
        JSON.stringify({
          public_keys: [{ key_identifier: KEY_ID, key: publicKey.export({ type: 'spki', format: 'pem' }), is_current: true }],
        }),
      );
      for (const [file, why] of [
        [join(dir, 'missing.json'), /cannot be read/],
        [notJson, /not JSON/],
        [rsa, /not an ECDSA P-256 key/],
      ] as const) {
        assert.throws(
          () => loadConfig({ githubSecretScanningKeys: file, dataDir: dir }, {}),
          (err: unknown) =>
            err instanceof ConfigError &&
            err.problems.some((p) => p.includes('--github-secret-scanning-keys') && p.includes(file) && why.test(p)),
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the keys file is read again on reload; a bad file keeps the keys trusted before', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-gh-keys-'));
    const first = keyPair();
    const second = keyPair();
    const file = keysFile(dir, [{ id: KEY_ID, key: first.publicKey }]);
    const t = await startTessera({ demo: false, config: { githubSecretScanningKeys: file } });
    try {
      const keys = t.server.services.githubScanningKeys!;
      const body = Buffer.from('[]');
      const sig = (key: KeyObject) => sign('sha256', body, key).toString('base64');
      assert.equal(keys.problem(KEY_ID, sig(first.privateKey), body), null);
      const otherId = 'c'.repeat(64);
      keysFile(dir, [{ id: otherId, key: second.publicKey }]);
      assert.equal(keys.reload(), 1);
      assert.equal(keys.problem(KEY_ID, sig(first.privateKey), body), 'unknown key identifier');
      assert.equal(keys.problem(otherId, sig(second.privateKey), body), null);
      writeFileSync(file, 'broken');
      assert.throws(() => keys.reload(), /not JSON/);
      assert.equal(keys.problem(otherId, sig(second.privateKey), body), null, 'the keys read before are kept');
    } finally {
      await t.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('messages count in the revocation budget per address: 429 past it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-gh-keys-'));
    const { privateKey, publicKey } = keyPair();
    const file = keysFile(dir, [{ id: KEY_ID, key: publicKey }]);
    const t = await startTessera({ demo: false, config: { githubSecretScanningKeys: file, tokenRateLimitPerIp: 2 } });
    try {
      const body = JSON.stringify([match(generateApiToken())]);
      const send = () =>
        http(`${t.baseUrl}${PATH}`, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            'GITHUB-PUBLIC-KEY-IDENTIFIER': KEY_ID,
            'GITHUB-PUBLIC-KEY-SIGNATURE': signature(body, privateKey),
          },
          body,
        });
      assert.equal((await send()).status, 200);
      assert.equal((await send()).status, 200);
      const third = await send();
      assert.equal(third.status, 429, third.text);
      assert.ok(third.headers.get('retry-after'));
    } finally {
      await t.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('tessera serve re-reads the keys file on SIGHUP, and keeps the keys it had when the new file is bad', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-gh-keys-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const first = keyPair();
    const second = keyPair();
    const file = keysFile(dir, [{ id: KEY_ID, key: first.publicKey }]);
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TESSERA_')));
    const child = spawn(
      process.execPath,
      ['bin/tessera.js', 'serve', '--http', '--port', '0', '--data-dir', join(dir, 'data'), '--github-secret-scanning-keys', file],
      { env: { ...env, TESSERA_ADMIN_PASSWORD: 'an-admin-password-1', TESSERA_LOG_LEVEL: 'silent' }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    t.after(() => child.kill('SIGKILL'));
    let stderr = '';
    const waiters: Array<() => void> = [];
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      for (const w of waiters) w();
    });
    const seen = (pattern: RegExp) =>
      new Promise<RegExpMatchArray>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`not seen: ${pattern} in\n${stderr}`)), 30_000);
        const check = () => {
          const m = stderr.match(pattern);
          if (m) {
            clearTimeout(timer);
            resolve(m);
          }
        };
        waiters.push(check);
        check();
      });
    const url = (await seen(/Tessera is listening on (http:\/\/\S+)/))[1]!;
    const body = JSON.stringify([match(generateApiToken())]);
    const send = (key: KeyObject, id: string) =>
      http(`${url}${PATH}`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'GITHUB-PUBLIC-KEY-IDENTIFIER': id,
          'GITHUB-PUBLIC-KEY-SIGNATURE': signature(body, key),
        },
        body,
      });
    assert.equal((await send(first.privateKey, KEY_ID)).status, 200);
    const rotated = 'd'.repeat(64);
    keysFile(dir, [{ id: rotated, key: second.publicKey }]);
    child.kill('SIGHUP');
    await seen(new RegExp(`Received SIGHUP: 1 GitHub secret scanning key\\(s\\) read from ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.equal((await send(first.privateKey, KEY_ID)).status, 401, 'the old key is no longer trusted');
    assert.equal((await send(second.privateKey, rotated)).status, 200);
    writeFileSync(file, '<html>rate limited</html>');
    child.kill('SIGHUP');
    await seen(/the GitHub secret scanning keys were not reloaded, the previous ones are still trusted: .*not JSON/);
    assert.equal((await send(second.privateKey, rotated)).status, 200, 'still trusted');
  });
});
