/**
 * "How to use this token" must run as copied. Against a real HTTPS Tessera with its generated self-signed
 * certificate: sign in to the portal over TLS, create a token, take the curl snippet from the rendered page,
 * paste the token where it says so, and run the snippet with bash (real curl and jq). It must print VM records.
 * The same snippet without `-k` fails loudly (curl exit 60 with a message, thanks to -sS), which is what users
 * hit before: the test proves the flag is what makes it work. The PowerShell snippet carries the matching
 * `-SkipCertificateCheck` (no pwsh on the test machines to run it).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { createTransport } from '../../src/client/transport.js';
import { isWellFormedApiToken } from '../../src/domain/api-token-format.js';
import { csrfFrom } from './portal-client.js';
import { requireTools, runBash } from '../helpers/bash.js';

const ACME = '/tenant/acme';
const tls = createTransport({ insecure: true });

/** What a browser does with cookies, enough for the portal over HTTPS (`__Host-` cookies, Path=/...). */
class HttpsBrowser {
  readonly base: string;
  private readonly jar = new Map<string, string>();

  constructor(base: string) {
    this.base = base;
  }

  async request(method: 'GET' | 'POST', path: string, form?: Record<string, string>) {
    const res = await tls({
      method,
      url: `${this.base}${path}`,
      headers: {
        accept: 'text/html',
        ...(this.jar.size ? { cookie: [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ') } : {}),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    });
    for (const raw of res.headers.getSetCookie()) {
      const [pair] = raw.split(';');
      const at = pair!.indexOf('=');
      const [name, value] = [pair!.slice(0, at), pair!.slice(at + 1)];
      if (value === '' || /Max-Age=0|Expires=Thu, 01 Jan 1970/i.test(raw)) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return res;
  }

  /** GETs the page holding the form, then posts it to `action` with that page's CSRF token. */
  async submit(formPage: string, action: string, form: Record<string, string>) {
    const page = await this.request('GET', formPage);
    return this.request('POST', action, { _csrf: csrfFrom(page.body), ...form });
  }
}

/** The text of `<pre id="...">`, unescaped as the browser shows it (and the copy button copies it). */
function preText(html: string, id: string): string {
  const raw = new RegExp(`<pre[^>]*id="${id}"[^>]*>([^<]*)</pre>`).exec(html)?.[1];
  assert.ok(raw !== undefined, `no <pre id="${id}"> on the page`);
  return raw
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

describe("the portal's curl snippet, run as copied against the self-signed HTTPS server", { timeout: 120_000 }, () => {
  let server: TesseraHandle;
  let page: string;
  let token: string;

  before(async () => {
    requireTools('curl', 'jq');
    server = await startTessera({ https: true, demo: true });
    const browser = new HttpsBrowser(server.baseUrl);
    const signedIn = await browser.submit(`${ACME}/login`, `${ACME}/login`, { username: 'bob', password: server.demoPassword });
    assert.equal(signedIn.status, 303, signedIn.body);
    const created = await browser.submit(`${ACME}/preferences/tokens/new`, `${ACME}/preferences/tokens`, { name: 'pasted', expiresOn: '' });
    assert.equal(created.status, 303, created.body);
    const shown = await browser.request('GET', `${ACME}/preferences/tokens/created`);
    assert.equal(shown.status, 200);
    page = shown.body;
    token = preText(page, 'api-token');
    assert.ok(isWellFormedApiToken(token), 'the page shows the token');
  });
  after(async () => server?.stop());

  test('the snippets carry -sSk and -SkipCertificateCheck for this server, and say why', () => {
    const curl = preText(page, 'usage-curl');
    assert.match(curl, /curl -sSk -X POST '/);
    assert.ok(curl.includes(`'${server.baseUrl}/api/query?type=vm'`), curl);
    const powershell = preText(page, 'usage-powershell');
    assert.equal(powershell.match(/-SkipCertificateCheck/g)?.length, 2, powershell);
    // No pwsh here to run it: its shape, so a refused exchange never sends a stale or empty Bearer in step 2.
    const lines = powershell.split('\n');
    assert.ok(lines.indexOf('$token = $null') < lines.findIndex((l) => l.startsWith('$token = Invoke-RestMethod')), powershell);
    assert.ok(lines.indexOf('if ($token.access_token) {') < lines.findIndex((l) => l.includes('Authorization = "Bearer')), powershell);
    assert.match(page, /generated self-signed certificate/);
  });

  test('pasted into bash with the token filled in, it prints VM records', async () => {
    const snippet = preText(page, 'usage-curl');
    assert.ok(snippet.includes('<paste the token here>'));
    const result = await runBash(snippet.replace('<paste the token here>', token));
    assert.equal(result.status, 0, `exit ${result.status}\n${result.stderr}\n${result.stdout.slice(0, 2000)}`);
    assert.equal(result.stderr, '', 'nothing on stderr');
    assert.match(result.stdout, /^<\?xml[^>]*>\s*<QueryResultRecords [^>]*name="vm"/);
    const names = [...result.stdout.matchAll(/<VMRecord [^>]*\bname="([^"]+)"/g)].map((m) => m[1]);
    assert.ok(names.length > 0, result.stdout.slice(0, 2000));
  });

  test('with a revoked token it stops at the exchange and shows the OAuth error, instead of calling the API with "null"', async () => {
    const other = await startTessera({ https: true, demo: true });
    try {
      const browser = new HttpsBrowser(other.baseUrl);
      await browser.submit(`${ACME}/login`, `${ACME}/login`, { username: 'bob', password: other.demoPassword });
      await browser.submit(`${ACME}/preferences/tokens/new`, `${ACME}/preferences/tokens`, { name: 'revoked-then-pasted', expiresOn: '' });
      const shown = (await browser.request('GET', `${ACME}/preferences/tokens/created`)).body;
      const revoked = preText(shown, 'api-token');
      const id = (
        await other.store.db.selectFrom('api_tokens').select('id').where('name', '=', 'revoked-then-pasted').executeTakeFirstOrThrow()
      ).id;
      const revoke = await browser.submit(`${ACME}/tokens/${id}/revoke?from=preferences`, `${ACME}/tokens/${id}/revoke`, {
        from: 'preferences',
      });
      assert.equal(revoke.status, 303);
      const result = await runBash(preText(shown, 'usage-curl').replace('<paste the token here>', revoked));
      assert.notEqual(result.status, 0, 'a failing exit status for a script');
      assert.match(result.stderr, /^The token exchange failed: \{.*"minorErrorCode":"invalid_grant"/m, result.stderr);
      assert.equal(result.stdout, '', 'step 2 did not run: no 401 from a "Bearer null" call');
    } finally {
      await other.stop();
    }
  });

  test('without -k the same snippet fails loudly instead of silently (why the flag is there)', async () => {
    const snippet = preText(page, 'usage-curl').replace('<paste the token here>', token).replaceAll('curl -sSk ', 'curl -sS ');
    const result = await runBash(`set -o pipefail\n${snippet}`);
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /curl: \(60\)/, result.stderr);
  });
});
