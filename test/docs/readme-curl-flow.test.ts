/**
 * The README's shell snippets must run as written. Taken from README.md itself (not copied here), pointed at a
 * real HTTPS Tessera with its generated self-signed certificate and run with bash, curl and jq: sign in (which
 * keeps the access token in SESSION), create a token over the API (CLIENT_ID, TOKEN), then the curl flow that
 * trades the token and lists the VMs. A newcomer found that the flow's `jq -er` printed `null` and the script went
 * on to call the API with `Bearer null`, and that SESSION and CLIENT_ID were never set (2026-12-05). Then the
 * revocation: the README named the endpoint only in prose, and a newcomer had no command to see a token refused
 * (2026-12-07); its block is run too, and the flow after it must print the refusal.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { requireTools, runBash } from '../helpers/bash.js';
import { isWellFormedApiToken } from '../../src/domain/api-token-format.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const QUICK_START_URL = 'https://127.0.0.1:8443';

/** The body of the README's one ```sh block that holds `marker`. */
function shellBlock(marker: string): string {
  const blocks = [...README.matchAll(/^( *)```sh\n([\s\S]*?)^\1```$/gm)].map((m) => m[2]!.replace(new RegExp(`^${m[1]}`, 'gm'), ''));
  const found = blocks.filter((b) => b.includes(marker));
  assert.equal(found.length, 1, `exactly one sh block of README.md holds ${marker}`);
  return found[0]!;
}

describe("the README's sign-in, token creation and curl flow, run as written", { timeout: 120_000 }, () => {
  let server: TesseraHandle;
  let signIn: string;
  let create: string;
  let flow: string;
  let revoke: string;

  before(async () => {
    requireTools('curl', 'jq');
    server = await startTessera({ https: true, demo: true });
    const pointed = (block: string) => block.replaceAll(QUICK_START_URL, server.baseUrl);
    signIn = pointed(shellBlock('SESSION=$(curl')).replace("'alice@acme:PASSWORD'", `'alice@acme:${server.demoPassword}'`);
    create = pointed(shellBlock('CLIENT_ID=$(curl'));
    flow = pointed(shellBlock('ANSWER=$(curl'));
    revoke = pointed(shellBlock('/oauth/tenant/acme/revoke'));
    assert.ok(flow.startsWith("TOKEN='the API token the portal showed you'\n"), flow);
  });
  after(async () => server?.stop());

  test('signed in, a token created, and the flow (without its placeholder line) prints VM records', async () => {
    const withoutPlaceholder = flow.split('\n').slice(1).join('\n');
    const result = await runBash(`${signIn}\n${create}\nprintf 'TOKEN=%s\\n' "$TOKEN" >&2\n${withoutPlaceholder}`);
    assert.equal(result.status, 0, `exit ${result.status}\n${result.stderr}\n${result.stdout.slice(0, 2000)}`);
    const token = /^TOKEN=(.*)$/m.exec(result.stderr)?.[1] ?? '';
    assert.ok(isWellFormedApiToken(token), `the creation block set TOKEN: ${result.stderr}`);
    assert.equal(result.stderr, `TOKEN=${token}\n`, 'nothing else on stderr');
    assert.match(result.stdout, /^<\?xml[^>]*>\s*<QueryResultRecords [^>]*name="vm"/);
    assert.ok([...result.stdout.matchAll(/<VMRecord /g)].length > 0, result.stdout.slice(0, 2000));
    const created = await server.store.db.selectFrom('api_tokens').select(['name']).where('name', '=', 'ci-pipeline').execute();
    assert.equal(created.length, 1, 'the token the README names was created');
  });

  test('with a bad token the flow prints the OAuth error and never calls the API', async () => {
    const result = await runBash(flow.replace("'the API token the portal showed you'", "'not-a-token'"));
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, '', 'no API call, so no answer on stdout');
    assert.match(result.stderr, /^The token exchange failed: \{"minorErrorCode":"invalid_grant","message":"Invalid refresh token"/);
  });

  test("revoked with the README's block, the flow prints the refusal and the access token from before is refused", async () => {
    const withoutPlaceholder = flow.split('\n').slice(1).join('\n');
    const check = `curl -sSk -o /dev/null -w 'earlier access token: %{http_code}\\n' '${server.baseUrl}/api/query?type=vm' -H 'Accept: application/*+xml;version=36.1' -H "Authorization: Bearer $ACCESS"`;
    const result = await runBash(
      // A token of its own: the first test's is still live, and a second client of the same name is refused.
      `${signIn}\n${create.replace('"ci-pipeline"', '"ci-revoked"')}\n{\n${withoutPlaceholder}} > /dev/null\n${check}\n${revoke}\n${check}\n${withoutPlaceholder}\n`,
    );
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, 'earlier access token: 200\nearlier access token: 401\n', 'the revocation answers nothing and ends the session made before it');
    assert.match(
      result.stderr,
      /^The token exchange failed: \{"minorErrorCode":"invalid_grant","message":"Invalid refresh token","stackTrace":null\}\n$/,
    );
    const revoked = await server.store.db.selectFrom('api_tokens').select(['revoked_at']).where('name', '=', 'ci-revoked').execute();
    assert.equal(revoked.length, 1, 'the token was created');
    assert.notEqual(revoked[0]!.revoked_at, null, 'the token is revoked in the store');
  });
});
