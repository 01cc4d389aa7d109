/**
 * No secret in any log line, whatever the spelling (issue 10 item 7). The server logs at level trace into a
 * captured stream; every secret-bearing parameter is sent in every encoding (plain, percent-encoded names such
 * as refresh%5Ftoken and %72efresh_token, upper- and lower-case hex, fully encoded names, '+' and %20 in values,
 * duplicates) and every position (query, form body, JSON body, headers) to every endpoint that takes a secret
 * (token, revoke, introspect, register, sessions with Basic auth, legacy sessions, the self password change, the
 * portal sign-in form). Then the whole raw output is searched for every secret, its percent-encoded and base64
 * forms, and for the random core of each value (which no percent-encoding changes). The token endpoint still
 * accepts percent-encoded parameter names.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startTessera, DEMO_PASSWORD } from '../helpers/tessera.js';
import { basic, createApiToken, signIn } from '../helpers/api.js';
import { raw, JSON_37, XML_37 } from './support.js';

const SECRET_NAMES = [
  'refresh_token',
  'access_token',
  'token',
  'assertion',
  'client_assertion',
  'password',
  'currentPassword',
  'newPassword',
  'client_secret',
  'code',
  'device_code',
  'id_token',
  'api_key',
  '_csrf',
];

const hex = (c: string) => c.charCodeAt(0).toString(16).padStart(2, '0');

/** Every spelling of a parameter name that the server decodes back to it. */
function nameSpellings(name: string): string[] {
  return [
    ...new Set([
      name,
      `%${hex(name[0]!).toUpperCase()}${name.slice(1)}`,
      name.replace(/_/g, '%5F'),
      name.replace(/_/g, '%5f'),
      [...name].map((c) => `%${hex(c).toUpperCase()}`).join(''),
      [...name].map((c) => `%${hex(c)}`).join(''),
    ]),
  ];
}

/** A value's spellings on the wire: %20 for spaces, '+' for spaces (forms), lower-case hex escapes. */
function valueSpellings(value: string): string[] {
  const percent = encodeURIComponent(value);
  return [percent, new URLSearchParams({ v: value }).toString().slice(2), percent.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase())];
}

test('no secret in any log line, in any encoding or position, on any endpoint', { timeout: 300_000 }, async (t) => {
  const output: string[] = [];
  const handle = await startTessera({
    backend: 'sqlite',
    // Limits off: the test sends thousands of (mostly failing) sign-ins and exchanges from one address.
    config: {
      logLevel: 'trace',
      // The most verbose request log: every request logged (one `request completed` line each; fastify's own
      // pair of lines is off), 2xx/3xx at info, 4xx at warn, 5xx at error.
      requestLog: 'all',
      tokenRateLimitPerIp: '10000000',
      tokenRateLimitPerToken: '10000000',
      signInRateLimit: '10000000',
      signInFailuresPerAddress: '10000000',
      signInFailuresPerAccount: '10000000',
    },
    logDestination: { write: (line: string) => void output.push(line) },
  });
  t.after(() => handle.stop());
  const base = handle.baseUrl;

  /** label -> secret; cores are the random parts of generated values, unchanged by any percent-encoding. */
  const secrets = new Map<string, string>();
  const cores = new Map<string, string>();
  let n = 0;
  const fresh = (label: string): string => {
    const core = `Q${randomBytes(9).toString('hex')}`;
    const value = `${core} a+b/c=d&e%f`; // spaces, plus, slash, equals, ampersand, percent: each encodes differently
    const key = `${label} #${++n}`;
    secrets.set(key, value);
    cores.set(key, core);
    return value;
  };

  const alice = await signIn(base, 'alice', 'acme', DEMO_PASSWORD);
  secrets.set('alice session', alice);
  secrets.set('demo password', DEMO_PASSWORD);
  secrets.set('admin password', handle.adminPassword);
  const real = await createApiToken(base, alice, 'acme', 'logged');
  secrets.set('api token', real.apiToken);

  // ---- the token endpoint still accepts percent-encoded parameter names, in the query and in the body
  const acceptedSpellings = [
    'refresh_token',
    'refresh%5Ftoken',
    'refresh%5ftoken',
    '%72efresh_token',
    nameSpellings('refresh_token').at(-1)!,
  ];
  for (const spelling of acceptedSpellings) {
    const viaQuery = await raw(`${base}/oauth/tenant/acme/token?grant_type=refresh_token&${spelling}=${real.apiToken}`, { method: 'POST' });
    assert.equal(viaQuery.status, 200, `query ${spelling}: ${viaQuery.text}`);
    secrets.set(`access token (query ${spelling})`, viaQuery.json().access_token);
    const viaBody = await raw(`${base}/oauth/tenant/acme/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `grant_type=refresh_token&${spelling}=${real.apiToken}`,
    });
    assert.equal(viaBody.status, 200, `body ${spelling}: ${viaBody.text}`);
    secrets.set(`access token (body ${spelling})`, viaBody.json().access_token);
  }

  /** One query string (or form) holding every secret name in one spelling, each with a fresh value, plus a duplicate. */
  const allSecrets = (spelling: (name: string) => string, valueIndex: number, extra = ''): string => {
    const parts = SECRET_NAMES.map((name) => `${spelling(name)}=${valueSpellings(fresh(name))[valueIndex]}`);
    parts.push(`${spelling('refresh_token')}=${valueSpellings(fresh('refresh_token duplicate'))[valueIndex]}`);
    return (extra ? [extra, ...parts] : parts).join('&');
  };
  const spellingCount = nameSpellings('refresh_token').length;

  interface Endpoint {
    path: string;
    headers: () => Record<string, string>;
    /** Fixed parameters the endpoint needs to get past its first check (grant_type, a CSRF token). */
    extra?: () => Promise<string> | string;
  }
  const portalForm = async (): Promise<{ csrf: string; cookie: string }> => {
    const page = await raw(`${base}/tenant/acme/login`, { headers: { Accept: 'text/html' } });
    const csrf = /name="_csrf" value="([^"]*)"/.exec(page.text)![1]!;
    const cookie = (page.headers.get('set-cookie') ?? '')
      .split(/,(?=\s*[A-Za-z_-]+=)/)
      .map((c) => c.split(';')[0]!.trim())
      .filter(Boolean)
      .join('; ');
    return { csrf, cookie };
  };
  let portal = await portalForm();
  const endpoints: Endpoint[] = [
    { path: '/oauth/tenant/acme/token', headers: () => ({}), extra: () => 'grant_type=refresh_token' },
    { path: '/oauth/provider/token', headers: () => ({}), extra: () => 'grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer' },
    { path: '/oauth/tenant/acme/revoke', headers: () => ({}) },
    { path: '/oauth/tenant/acme/introspect', headers: () => ({ Authorization: `Bearer ${alice}` }) },
    { path: '/oauth/tenant/acme/register', headers: () => ({ Authorization: `Bearer ${alice}` }) },
    {
      path: '/cloudapi/1.0.0/sessions',
      headers: () => ({ Authorization: basic('alice', 'acme', fresh('basic password')), Accept: JSON_37 }),
    },
    {
      path: '/cloudapi/1.0.0/sessions/provider',
      headers: () => ({ Authorization: basic('administrator', 'System', fresh('basic password')), Accept: JSON_37 }),
    },
    { path: '/api/sessions', headers: () => ({ Authorization: basic('bob', 'acme', fresh('basic password')), Accept: XML_37 }) },
    {
      path: '/tenant/acme/login',
      headers: () => ({ Accept: 'text/html', Cookie: portal.cookie }),
      extra: () => `_csrf=${encodeURIComponent(portal.csrf)}&username=alice`,
    },
  ];

  const statuses = new Map<string, Set<number>>();
  const note = (path: string, status: number) => {
    assert.ok(status < 500, `${path} answered ${status}`);
    if (!statuses.has(path)) statuses.set(path, new Set());
    statuses.get(path)!.add(status);
  };
  for (const endpoint of endpoints) {
    for (let s = 0; s < spellingCount; s++) {
      const spelling = (name: string) => nameSpellings(name)[Math.min(s, nameSpellings(name).length - 1)]!;
      for (let v = 0; v < 3; v++) {
        const extra = (await endpoint.extra?.()) ?? '';
        // Query string.
        const q = await raw(`${base}${endpoint.path}?${allSecrets(spelling, v, extra)}`, { method: 'POST', headers: endpoint.headers() });
        note(endpoint.path, q.status);
        // Form body (and the query as well, for the endpoints that merge both).
        const f = await raw(`${base}${endpoint.path}?${allSecrets(spelling, v)}`, {
          method: 'POST',
          headers: { ...endpoint.headers(), 'Content-Type': 'application/x-www-form-urlencoded' },
          body: allSecrets(spelling, v, extra),
        });
        note(endpoint.path, f.status);
      }
    }
    // JSON body, flat and nested, with the query carrying secrets too.
    const json: Record<string, unknown> = Object.fromEntries(SECRET_NAMES.map((name) => [name, fresh(`json ${name}`)]));
    json.client_name = 'x';
    json.nested = { password: fresh('json nested password'), token: fresh('json nested token') };
    if (endpoint.path.endsWith('/token')) json.grant_type = 'refresh_token';
    const j = await raw(`${base}${endpoint.path}?${allSecrets((x) => x, 0)}`, {
      method: 'POST',
      headers: { ...endpoint.headers(), 'Content-Type': 'application/json' },
      body: JSON.stringify(json),
    });
    note(endpoint.path, j.status);
    // Broken JSON that quotes a secret: the parse error must not carry it into a log line.
    const broken = await raw(`${base}${endpoint.path}`, {
      method: 'POST',
      headers: { ...endpoint.headers(), 'Content-Type': 'application/json' },
      body: `{"password":"${fresh('broken json password')}",`,
    });
    note(endpoint.path, broken.status);
    // Credentials in every header that carries one.
    for (const [header, value] of [
      ['Authorization', `Bearer ${fresh('bearer header')}`],
      ['Authorization', basic('alice', 'acme', fresh('basic header'))],
      ['X-VMWARE-VCLOUD-ACCESS-TOKEN', fresh('access token header')],
      ['x-vcloud-authorization', fresh('legacy session header')],
      ['Cookie', `session=${encodeURIComponent(fresh('session cookie'))}`],
      ['X-Tessera-TOTP', fresh('totp header')],
    ] as const) {
      const h = await raw(`${base}${endpoint.path}`, {
        method: 'POST',
        headers: { ...endpoint.headers(), [header]: value, Accept: JSON_37 },
      });
      note(endpoint.path, h.status);
    }
    if (endpoint.path === '/tenant/acme/login') portal = await portalForm();
  }

  // The self password change: currentPassword and password in a JSON body (wrong current password: refused).
  const me = await raw(`${base}/cloudapi/1.0.0/users?pageSize=128`, { headers: { Authorization: `Bearer ${alice}`, Accept: JSON_37 } });
  const aliceId = (me.json().values as Array<{ username: string; id: string }>).find((u) => u.username === 'alice')!.id;
  const change = await raw(`${base}/cloudapi/1.0.0/users/${aliceId}?${allSecrets((x) => x, 1)}`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${alice}`, Accept: JSON_37, 'Content-Type': 'application/json' },
    body: JSON.stringify({ currentPassword: fresh('current password'), password: fresh('new password') }),
  });
  note('/cloudapi/1.0.0/users/:id', change.status);
  // A real portal sign-in with the form (the password succeeds: its value must not be logged either).
  portal = await portalForm();
  const signedIn = await raw(`${base}/tenant/acme/login`, {
    method: 'POST',
    headers: { Accept: 'text/html', Cookie: portal.cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: portal.csrf, username: 'alice', password: DEMO_PASSWORD }).toString(),
  });
  assert.equal(signedIn.status, 303, signedIn.text.slice(0, 200));

  await new Promise((r) => setTimeout(r, 100));
  const text = output.join('');
  const lines = text.split('\n').filter((l) => l.startsWith('{'));
  // One line per request (--request-log all), plus start-up and error lines.
  assert.ok(lines.length > 250, `the server logged at level trace (${lines.length} lines)`);

  const forms = (value: string): string[] => {
    const percent = encodeURIComponent(value);
    return [
      value,
      percent,
      percent.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()),
      new URLSearchParams({ v: value }).toString().slice(2),
      JSON.stringify(value).slice(1, -1),
      Buffer.from(value).toString('base64'),
      Buffer.from(value).toString('base64url'),
    ].filter((f) => f.length >= 8);
  };
  const leaks: string[] = [];
  for (const [label, value] of secrets) {
    for (const form of forms(value)) if (text.includes(form)) leaks.push(`${label} as ${form.slice(0, 12)}...`);
    const core = cores.get(label);
    if (core && text.includes(core)) leaks.push(`${label} (its random core)`);
  }
  for (const [user, org] of [
    ['alice', 'acme'],
    ['bob', 'acme'],
    ['administrator', 'System'],
  ])
    if (text.includes(Buffer.from(`${user}@${org}:${DEMO_PASSWORD}`).toString('base64'))) leaks.push(`Basic ${user}`);
  assert.deepEqual(leaks, [], 'secrets found in the log output');
  assert.ok(!/tsr_[0-9A-Za-z]{20,}/.test(text), 'no API token, even a partial one beyond the display start');
  // (assert.ok, not match: a failure must not print the whole log into the test output)
  assert.ok(text.includes('refresh%5Ftoken=[redacted]'), 'the encoded-name exchange was logged, with the token taken out');
  t.diagnostic(
    `${secrets.size} secrets in ${lines.length} log lines; statuses ${JSON.stringify([...statuses].map(([p, s]) => [p, [...s]]))}`,
  );
});
