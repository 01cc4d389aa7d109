/**
 * A NUL character in a querystring or a body is a 400 in the format of the API called, on both backends, and
 * changes nothing (src/http/nul-guard.ts). PostgreSQL's text cannot hold NUL: before this rule, the portal's
 * "New user" page answered `?org=<NUL>` with a 500 there (schemathesis found it), while SQLite looked the name up.
 * Path parameters stay the routes' own (an id that cannot resolve is their "no such object"): the second test
 * sends NUL in every path parameter of every route, as each kind of caller, and wants no 5xx.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { InjectOptions } from 'fastify';
import { startHarness, type Harness } from './route-harness.js';
import { PortalClient } from '../portal/portal-client.js';
import { ADMIN_PASSWORD, DEMO_PASSWORD } from '../helpers/tessera.js';
import { selectedBackends, type BackendPlan } from '../store/backends.js';

/** The suite's server on a backend, or null after failing or skipping loudly when that backend is unavailable. */
async function harnessOn(plan: BackendPlan, t: TestContext): Promise<Harness | null> {
  if (plan.unavailable) {
    if (plan.unavailable.fail) assert.fail(plan.unavailable.reason);
    t.skip(plan.unavailable.reason);
    return null;
  }
  return startHarness(plan.backend);
}

for (const plan of selectedBackends()) {
  test(`a NUL character in a querystring or a body is a 400 that changes nothing (${plan.backend})`, { timeout: 120_000 }, async (t) => {
    const h = await harnessOn(plan, t);
    if (!h) return;
    try {
      const acme = (await h.store.getOrgByName('acme'))!;
      const usersBefore = (await h.store.listUsers(acme.id)).length;

      // The portal: the page schemathesis found, and the form behind it.
      const admin = new PortalClient(h.app);
      await admin.signIn('/provider', 'administrator', ADMIN_PASSWORD);
      for (const org of ['\u0000', 'ac\u0000me', 'æŒË\u0000m']) {
        const page = await admin.get(`/provider/administration/users/new?org=${encodeURIComponent(org)}`);
        assert.equal(page.statusCode, 400, page.body.slice(0, 300));
        assert.match(page.headers['content-type'] as string, /^text\/html/);
        // In words on the portal's 400 page (portal/invalid-request.ts); the API areas keep `querystring/org must not ...`.
        assert.match(page.body, /The address&#39;s &quot;org&quot; parameter may not contain a NUL character/);
      }
      const form = await admin.submit('/provider/administration/users/new?org=acme', '/provider/administration/users', {
        org: 'acme',
        name: 'nul\u0000user',
        password: DEMO_PASSWORD,
        confirmPassword: DEMO_PASSWORD,
      });
      assert.equal(form.statusCode, 400, form.body.slice(0, 300));
      assert.match(form.body, /The form&#39;s &quot;name&quot; field may not contain a NUL character/);

      // VCD's XML API and the cloudapi JSON envelope, as a signed-in tenant admin.
      const { accessToken } = await h.services.sessions.signIn({
        userName: 'alice',
        orgName: 'acme',
        password: DEMO_PASSWORD,
        totpCode: null,
        endpoint: 'tenant',
        ip: '127.0.0.1',
      });
      const xml = await h.app.inject({
        url: `/api/query?type=vm&sortAsc=${encodeURIComponent('na\u0000me')}`,
        headers: { authorization: `Bearer ${accessToken}`, accept: 'application/*+xml;version=37.0' },
      });
      assert.equal(xml.statusCode, 400, xml.body);
      assert.match(
        xml.body,
        /<Error [^>]*minorErrorCode="BAD_REQUEST"[^>]*message="[^"]*querystring\/sortAsc must not contain a NUL character"/,
      );
      const roles = await h.app.inject({
        url: '/cloudapi/1.0.0/roles',
        headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json;version=37.0' },
      });
      const role = (roles.json().values as Array<{ id: string; name: string }>).find((r) => r.name === 'vApp User')!;
      const json = await h.app.inject({
        method: 'POST',
        url: '/cloudapi/1.0.0/users',
        headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json;version=37.0', 'content-type': 'application/json' },
        payload: { username: 'nul-user', fullName: 'Nul\u0000', password: DEMO_PASSWORD, roleEntityRefs: [{ id: role.id }] },
      });
      assert.equal(json.statusCode, 400, json.body);
      assert.equal(json.json().minorErrorCode, 'BAD_REQUEST');
      assert.match(json.json().message, /body\/fullName must not contain a NUL character/);

      // OAuth: the token endpoint's error, in VCD's envelope with OAuth's code.
      const oauth = await h.app.inject({
        method: 'POST',
        url: '/oauth/tenant/acme/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        payload: `grant_type=refresh_token&refresh_token=${encodeURIComponent('abc\u0000')}`,
      });
      assert.equal(oauth.statusCode, 400, oauth.body);
      assert.equal(oauth.json().minorErrorCode, 'invalid_request'); // VCD's envelope, as every OAuth error here

      assert.equal((await h.store.listUsers(acme.id)).length, usersBefore, 'no user was created');
      assert.deepEqual(h.errors, [], 'nothing was logged at error');
    } finally {
      await h.stop();
    }
  });
}

for (const plan of selectedBackends()) {
  test(`a NUL character in any path parameter of any route is never a 5xx (${plan.backend})`, { timeout: 300_000 }, async (t) => {
    const h = await harnessOn(plan, t);
    if (!h) return;
    try {
      const signIn = async (userName: string, orgName: string, password: string, endpoint: 'tenant' | 'provider') =>
        (await h.services.sessions.signIn({ userName, orgName, password, totpCode: null, endpoint, ip: '127.0.0.1' })).accessToken;
      const callers = [
        null,
        await signIn('alice', 'acme', DEMO_PASSWORD, 'tenant'),
        await signIn('administrator', 'System', ADMIN_PASSWORD, 'provider'),
      ];
      const values = ['\u0000', 'a\u0000b', 'urn:vcloud:user:\u0000', 'vm-\u0000'];
      let sent = 0;
      const failures: string[] = [];
      for (const route of h.routes.filter((r) => /:[A-Za-z]+/.test(r.url))) {
        for (const value of values) {
          const url = route.url.replace(/:[A-Za-z]+/g, encodeURIComponent(value)).replace('*', 'x');
          for (const caller of callers) {
            const headers: Record<string, string> = { accept: 'application/*+xml;version=37.0' };
            if (caller !== null && /^\/(tenant|provider)/.test(route.url)) headers.cookie = `tessera_session=${caller}`;
            else if (caller !== null) headers.authorization = `Bearer ${caller}`;
            h.clearErrors();
            const res = await h.app.inject({ method: route.method as InjectOptions['method'], url, headers });
            sent++;
            if (res.statusCode >= 500 || h.errors.length > 0)
              failures.push(
                `${route.method} ${url} (${caller === null ? 'anonymous' : 'signed in'}): ${res.statusCode} ${h.errors.join(' ').slice(0, 200)}`,
              );
          }
        }
      }
      assert.ok(sent > 500, `only ${sent} requests: the routes were not found`);
      assert.deepEqual(failures, []);
    } finally {
      await h.stop();
    }
  });
}
