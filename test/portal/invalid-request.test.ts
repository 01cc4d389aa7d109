/**
 * The portal's 400 page for a hand-edited address or a hand-made form (portal/invalid-request.ts): it names the
 * parameter, the part of the address or the form field, and says what it takes in words, never the schema's regex.
 * Every parameter of every portal route is worded (a new route's schema that the wording cannot say fails here).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RouteOptions } from 'fastify';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';
import { startContractApp } from '../http/contract/support.js';
import { PortalClient, csrfFrom, signedInDemoUsers } from './portal-client.js';
import { accepts } from '../../src/http/portal/invalid-request.js';

const ACME = '/tenant/acme';
/** What the validator's own message carried: none of it may reach the page. */
const VALIDATOR_WORDS = /must match|pattern|must be (integer|equal|string|array|&lt;|&gt;)|querystring\/|params\/|body\/|\^\(|\[0-9/;

const isPortalRoute = (url: string) => url === '/' || url === '/tenant' || url.startsWith('/tenant/:org') || url.startsWith('/provider');

describe('portal 400 page for a value its schema refuses', () => {
  test('every parameter, path part and form field of every portal route is worded, with no regex', async () => {
    const contract = await startContractApp();
    try {
      const portal = contract.routes.filter((r: RouteOptions) => isPortalRoute(r.url));
      assert.ok(portal.length > 40, `portal routes found: ${portal.length}`);
      const unworded: string[] = [];
      for (const route of portal) {
        for (const part of ['querystring', 'params', 'body'] as const) {
          const properties = (route.schema?.[part] as { properties?: Record<string, object> } | undefined)?.properties ?? {};
          for (const [name, schema] of Object.entries(properties)) {
            const words = accepts(schema);
            if (words === null || /[\^$\\[\]{}]/.test(words))
              unworded.push(`${[route.method].flat().join()} ${route.url} ${part}.${name}: ${words}`);
          }
        }
      }
      assert.deepEqual(unworded, []);
    } finally {
      await contract.stop();
    }
  });

  describe('through the portal', () => {
    let server: TesseraHandle;
    let alice: PortalClient; // Organization Administrator of acme

    before(async () => {
      server = await startTessera({ demo: true, config: { signInRateLimit: 1000 } });
      ({ alice } = await signedInDemoUsers(server.server.app, server.demoPassword));
    });
    after(async () => server?.stop());

    const cases: ReadonlyArray<readonly [string, RegExp]> = [
      [
        `${ACME}/vms?status=BOGUS`,
        /The address&#39;s &quot;status&quot; parameter is not valid: it takes one of &quot;FAILED_CREATION&quot;, .*&quot;POWERED_ON&quot;.*, or nothing\./,
      ],
      [
        `${ACME}/vms?sort=size`,
        /The address&#39;s &quot;sort&quot; parameter is not valid: it takes one of &quot;name&quot;, &quot;status&quot;, .*&quot;owner&quot;\./,
      ],
      [
        `${ACME}/vms?direction=up`,
        /The address&#39;s &quot;direction&quot; parameter is not valid: it takes one of &quot;asc&quot;, &quot;desc&quot;\./,
      ],
      [`${ACME}/vms?page=0`, /The address&#39;s &quot;page&quot; parameter is not valid: it takes a whole number from 1 to 1000000\./],
      [`${ACME}/vms?page=two`, /&quot;page&quot; parameter is not valid: it takes a whole number from 1 to 1000000\./],
      [
        `${ACME}/vms/not-a-vm`,
        /The id in the address is not valid: it takes an id as the portal writes it in its links \(a UUID in lower case\)\./,
      ],
      [`${ACME}/tokens/NOPE/revoke`, /The id in the address is not valid: it takes an id as the portal writes it/],
      [
        `${ACME}/administration/tokens?unusedDays=9999`,
        /&quot;unusedDays&quot; parameter is not valid: it takes a number of days from 1 to 3650, or nothing\./,
      ],
      [
        `${ACME}/administration/tokens?state=lost`,
        /&quot;state&quot; parameter is not valid: it takes one of &quot;active&quot;, .*&quot;unused&quot;, or nothing\./,
      ],
      [
        `${ACME}/administration/tokens?owner=${'x'.repeat(129)}`,
        /&quot;owner&quot; parameter is not valid: it takes text of at most 128 characters\./,
      ],
      [
        `${ACME}/administration/tokens/revoke?from=elsewhere`,
        /&quot;from&quot; parameter is not valid: it takes one of &quot;tokens&quot;, &quot;org-tokens&quot;, &quot;user&quot;\./,
      ],
      [`${ACME}/administration/tokens/revoke?all=yes`, /&quot;all&quot; parameter is not valid: it takes only &quot;1&quot;\./],
      [
        `${ACME}/administration/audit?outcome=maybe`,
        /&quot;outcome&quot; parameter is not valid: it takes one of &quot;success&quot;, &quot;failure&quot;, or nothing\./,
      ],
      [`${ACME}/preferences?ended=some`, /&quot;ended&quot; parameter is not valid: it takes only &quot;all&quot;\./],
      [
        `${ACME}/administration/users?search=a%00b`,
        /The address&#39;s &quot;search&quot; parameter may not contain a NUL character \(U\+0000\)\./,
      ],
    ];
    for (const [url, words] of cases) {
      test(`GET ${url.slice(0, 70)}`, async () => {
        const res = await alice.get(url);
        assert.equal(res.statusCode, 400, res.body.slice(0, 300));
        const paragraph = /<h1 id="error-title"[^]*?<\/h1>\s*<p>([^]*?)<\/p>/.exec(res.body)?.[1] ?? '';
        assert.match(paragraph, words);
        assert.doesNotMatch(paragraph, VALIDATOR_WORDS);
      });
    }

    test('a parameter name the sender made up is isolated, so it cannot reorder the sentence, and cut on a whole character', async () => {
      // U+202E RIGHT-TO-LEFT OVERRIDE in the name: unisolated, "parameter may not contain..." after it read backwards.
      const res = await alice.get(`${ACME}/preferences?%E2%80%AEevil=a%00b`);
      assert.equal(res.statusCode, 400, res.body.slice(0, 300));
      const paragraph = /<h1 id="error-title"[^]*?<\/h1>\s*<p>([^]*?)<\/p>/.exec(res.body)?.[1] ?? '';
      assert.match(paragraph, /^The address&#39;s &quot;\u2068\u202Eevil\u2069&quot; parameter may not contain a NUL character/);
      // 41 characters, the 40th a pair of surrogates: cut after it, not between its halves.
      const long = `${'x'.repeat(39)}\u{1F600}y`;
      const cut = await alice.get(`${ACME}/preferences?${encodeURIComponent(long)}=a%00b`);
      assert.match(cut.body, new RegExp(`&quot;${'x'.repeat(39)}\u{1F600}…&quot; parameter`, 'u'));
    });

    test('a parameter given more than once says so, on every list and for every kind of parameter', async () => {
      // Until 2026-12-07 a repeated search read "it takes text of at most 128 characters": a length problem.
      const repeated: ReadonlyArray<readonly [string, string, RegExp]> = [
        [`${ACME}/preferences?search=a&search=b`, 'search', /text of at most 128 characters/],
        [`${ACME}/preferences?page=1&page=2`, 'page', /a whole number from 1 to 1000000/],
        [`${ACME}/administration/tokens?search=a&search=b`, 'search', /text of at most 128 characters/],
        [`${ACME}/administration/tokens?state=active&state=expired`, 'state', /one of &quot;active&quot;/],
        [`${ACME}/administration/tokens?page=1&page=1`, 'page', /a whole number/],
        [`${ACME}/administration/users?search=a&search=b`, 'search', /text of at most 128 characters/],
        [`${ACME}/vms?status=POWERED_ON&status=POWERED_OFF`, 'status', /one of &quot;FAILED_CREATION&quot;/],
      ];
      for (const [url, name, takes] of repeated) {
        const res = await alice.get(url);
        assert.equal(res.statusCode, 400, url);
        const paragraph = /<h1 id="error-title"[^]*?<\/h1>\s*<p>([^]*?)<\/p>/.exec(res.body)?.[1] ?? '';
        assert.match(
          paragraph,
          new RegExp(`^The address&#39;s &quot;${name}&quot; parameter was given more than once: it takes one value, `),
          url,
        );
        assert.match(paragraph, takes, url);
        assert.doesNotMatch(paragraph, VALIDATOR_WORDS);
      }
      // A single bad value keeps its own words.
      const single = await alice.get(`${ACME}/preferences?page=0`);
      assert.doesNotMatch(single.body, /more than once/);
    });

    test('a form field given more than once says so; nothing is made', async () => {
      const tokenPage = await alice.get(`${ACME}/preferences/tokens/new`);
      const form = new URLSearchParams([
        ['_csrf', csrfFrom(tokenPage.body)],
        ['name', 'twice-a'],
        ['name', 'twice-b'],
        ['expiry', 'never'],
      ]);
      const res = await alice.post(`${ACME}/preferences/tokens`, form);
      assert.equal(res.statusCode, 400);
      assert.match(
        res.body,
        /The form&#39;s &quot;name&quot; field was given more than once: it takes one value, text of at most \d+ characters\./,
      );
      const made = await server.store.db.selectFrom('api_tokens').select('id').where('name', 'like', 'twice-%').execute();
      assert.equal(made.length, 0);
    });

    test('a hand-made form: the field and what it takes; nothing is changed', async () => {
      const tokenPage = await alice.get(`${ACME}/preferences/tokens/new`);
      const csrf = csrfFrom(tokenPage.body);
      const res = await alice.post(`${ACME}/preferences/tokens`, { _csrf: csrf, name: 'hand-made', expiry: 'forever' });
      assert.equal(res.statusCode, 400);
      assert.match(res.body, /The form&#39;s &quot;expiry&quot; field is not valid: it takes one of &quot;date&quot;, &quot;never&quot;\./);
      assert.doesNotMatch(res.body, VALIDATOR_WORDS);
      const made = await server.store.db.selectFrom('api_tokens').select('id').where('name', '=', 'hand-made').execute();
      assert.equal(made.length, 0);
    });

    test('the API areas keep their messages', async () => {
      const res = await server.server.app.inject({ method: 'GET', url: '/api/versions?x=a%00b' });
      assert.equal(res.statusCode, 400, res.body.slice(0, 300));
      assert.match(res.body, /Invalid request: querystring\/x must not contain a NUL character/);
    });
  });
});
