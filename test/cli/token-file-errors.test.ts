/**
 * A token file the CLI cannot read is named with the reason in words and, when it is missing, the commands that
 * write one: until 2026-12-07 the message ended in the bare errno code (`Cannot read the token file token.json:
 * ENOENT`), which left a newcomer who mistyped the path, or had not made the file yet, to guess what to do.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readApiTokenFile } from '../../src/cli/connection.js';
import { CliError, EXIT } from '../../src/cli/exit-codes.js';
import { readTokenFile } from '../../src/client/token-file.js';
import { runCli } from './run-cli.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-token-file-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function usageMessage(path: string): Promise<string> {
  const error = await readApiTokenFile(path).then(
    () => assert.fail('the file was read'),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof CliError);
  assert.equal(error.exitCode, EXIT.USAGE);
  return error.message;
}

test('a missing token file says so in words and names the commands that write one', async () => {
  const path = join(dir, 'token.json');
  assert.equal(
    await usageMessage(path),
    `Cannot read the token file ${path}: no such file (ENOENT). tessera token create NAME --out ${path} writes one ` +
      `(after tessera login); a service account's: tessera service-account authorize ACCOUNT --wait --out ${path}`,
  );
});

test('a directory given as the token file is called one, with no hint about creating a file', async () => {
  assert.equal(await usageMessage(dir), `Cannot read the token file ${dir}: it is a directory, not a file (EISDIR)`);
});

test("the SDK's reader (service-account token) gives the same words", async () => {
  await assert.rejects(
    readTokenFile(join(dir, 'sa.json')),
    /^VcdClientError: Cannot read the token file .*sa\.json: no such file \(ENOENT\)$/,
  );
});

test('the command prints it and exits 2 before anything is sent', async () => {
  const path = join(dir, 'nope.json');
  const result = await runCli(['headers', '--token-file', path, '--endpoint', 'https://127.0.0.1:9', '--org', 'acme'], {
    env: { XDG_CONFIG_HOME: dir },
  });
  assert.equal(result.code, 2);
  assert.equal(
    result.stderr,
    `tessera: Cannot read the token file ${path}: no such file (ENOENT). tessera token create NAME --out ${path} writes one ` +
      `(after tessera login); a service account's: tessera service-account authorize ACCOUNT --wait --out ${path}\n`,
  );
});
