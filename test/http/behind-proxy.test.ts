/**
 * Tessera with `--http --trust-proxy ... --public-url https://...` behind a TLS-terminating proxy, as
 * docs/configuration.md ("Behind a reverse proxy") deploys it. These requests are the ones the proxy sends to the
 * backend: plain HTTP from a trusted peer, with or without the forwarded headers a given proxy adds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera } from '../helpers/tessera.js';
import { raw } from '../security/support.js';
import { csrfFrom } from '../portal/portal-client.js';
import { createTransport } from '../../src/client/transport.js';

/** The portal's sign-in, as the proxy forwards it; returns the Set-Cookie lines of the form and of the sign-in. */
async function portalSignIn(baseUrl: string, headers: Record<string, string>, password: string) {
  const page = await raw(`${baseUrl}/tenant/acme/login`, { headers: { Accept: 'text/html', ...headers } });
  assert.equal(page.status, 200, page.text);
  const formCookies = page.headers.getSetCookie();
  const res = await raw(`${baseUrl}/tenant/acme/login`, {
    method: 'POST',
    headers: {
      ...headers,
      'Content-Type': 'application/x-www-form-urlencoded',
      Cookie: formCookies.map((c) => c.split(';')[0]!).join('; '),
    },
    body: new URLSearchParams({ _csrf: csrfFrom(page.text), username: 'alice', password }).toString(),
  });
  assert.equal(res.status, 303, res.text);
  return { formCookies, signInCookies: res.headers.getSetCookie() };
}

test('an https --public-url makes the portal cookies Secure even when the proxy sends no X-Forwarded-Proto', async (t) => {
  // HAProxy's `option forwardfor` (the setting docs/configuration.md names) adds X-Forwarded-For and nothing else:
  // the browser speaks HTTPS to the proxy, the backend sees plain HTTP. Until 2026-12-06 the session cookie then
  // went out without Secure (and without its __Host- name) while every href said https.
  const handle = await startTessera({
    backend: 'sqlite',
    config: { trustProxy: '127.0.0.1', publicUrl: 'https://vcd.example.com' },
  });
  t.after(() => handle.stop());
  const { formCookies, signInCookies } = await portalSignIn(handle.baseUrl, { 'X-Forwarded-For': '198.51.100.7' }, handle.demoPassword);
  const form = formCookies.find((c) => c.startsWith('__Host-tessera_sign_in='));
  assert.ok(form, formCookies.join(' | '));
  assert.match(form, /; Secure/);
  const session = signInCookies.find((c) => c.startsWith('__Host-tessera_session='));
  assert.ok(session, signInCookies.join(' | '));
  for (const flag of ['; Path=/', '; HttpOnly', '; Secure', '; SameSite=Strict']) assert.ok(session.includes(flag), flag);
});

test('an upper-case X-Forwarded-Proto from a trusted proxy is HTTPS for the cookies as it is for the hrefs', async (t) => {
  const handle = await startTessera({ backend: 'sqlite', config: { trustProxy: '127.0.0.1' } });
  t.after(() => handle.stop());
  const { signInCookies } = await portalSignIn(
    handle.baseUrl,
    { 'X-Forwarded-Proto': 'HTTPS', 'X-Forwarded-Host': 'vcd.example.com' },
    handle.demoPassword,
  );
  const session = signInCookies.find((c) => c.startsWith('__Host-tessera_session='));
  assert.ok(session, signInCookies.join(' | '));
  assert.match(session, /; Secure/);
});

test('without a public URL or a trusted X-Forwarded-Proto, plain HTTP keeps plain cookies (a lab on http://)', async (t) => {
  const handle = await startTessera({ backend: 'sqlite', config: { trustProxy: '127.0.0.1' } });
  t.after(() => handle.stop());
  const { signInCookies } = await portalSignIn(handle.baseUrl, {}, handle.demoPassword);
  const session = signInCookies.find((c) => c.startsWith('tessera_session='));
  assert.ok(session, signInCookies.join(' | '));
  assert.doesNotMatch(session, /Secure/);
});

test('over its own HTTPS, Tessera sets Secure cookies whatever --public-url says', async (t) => {
  const handle = await startTessera({ backend: 'sqlite', https: true, config: { publicUrl: 'http://vcd.example.com' } });
  t.after(() => handle.stop());
  const https = createTransport({ insecure: true });
  const page = await https({ method: 'GET', url: `${handle.baseUrl}/tenant/acme/login`, headers: { accept: 'text/html' } });
  const form = page.headers.getSetCookie().find((c) => c.startsWith('__Host-tessera_sign_in='));
  assert.ok(form, page.headers.getSetCookie().join(' | '));
  assert.match(form, /; Secure/);
});
