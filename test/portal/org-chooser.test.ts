/**
 * The organization chooser (`/?org=`, `/tenant?org=`): an org's name in any case or its display name leads to its
 * portal, an unknown name goes on as typed, and look-ups are budgeted per client address so the chooser is no bulk
 * oracle of org names (src/http/portal/org-chooser.ts, docs/security.md "No oracle").
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, type TesseraHandle } from '../helpers/tessera.js';

let server: TesseraHandle;

before(async () => {
  server = await startTessera({ demo: true });
});
after(async () => server?.stop());

const choose = (org: string, ip = '192.0.2.10') =>
  server.server.app.inject({ url: `/tenant?org=${encodeURIComponent(org)}`, remoteAddress: ip });

test('a name in any case or a display name leads to the org; an unknown name goes on as typed', async () => {
  assert.equal((await choose('ACME', '192.0.2.1')).headers.location, '/tenant/acme/');
  assert.equal((await choose('globex corporation', '192.0.2.1')).headers.location, '/tenant/globex/');
  assert.equal((await choose('  Acme   Corporation ', '192.0.2.1')).headers.location, '/tenant/acme/');
  assert.equal((await choose('system', '192.0.2.1')).headers.location, '/provider/');
  assert.equal((await choose('initech', '192.0.2.1')).headers.location, '/tenant/initech/');
  // A dot segment is no org's name: until 2026-12-06 `..` went on to `/tenant/../`, which is `/`.
  for (const dots of ['.', '..']) {
    const refused = await choose(dots, '192.0.2.1');
    assert.equal(refused.statusCode, 400, dots);
    assert.match(refused.body, /That is not an organization name/, dots);
    assert.equal(refused.headers.location, undefined, dots);
  }
  // The unknown org's sign-in page is the same page as a known one's (no oracle behind the chooser).
  const unknown = await server.server.app.inject({ url: '/tenant/initech/login' });
  const known = await server.server.app.inject({ url: '/tenant/globex/login' });
  assert.equal(unknown.statusCode, known.statusCode);
  assert.equal(
    unknown.body.replaceAll('initech', 'ORG').replace(/value="[^"]{20,}"/g, ''),
    known.body.replaceAll('globex', 'ORG').replace(/value="[^"]{20,}"/g, ''),
  );
});

test('60 look-ups a minute per address, then a 429 with Retry-After; another address and the empty form are not counted', async () => {
  for (let i = 0; i < 60; i++) {
    const res = await choose(i % 2 === 0 ? `guess-${i}` : 'acme');
    assert.equal(res.statusCode, 303, `look-up ${i + 1}`);
  }
  const refused = await choose('globex');
  assert.equal(refused.statusCode, 429);
  const retryAfter = Number(refused.headers['retry-after']);
  // At most the rest of the minute plus the share of the next one the 61 counted look-ups need to slide under the
  // limit (2/61 of 60 s): up to 62 s when the look-ups came just after a minute began.
  assert.ok(retryAfter >= 1 && retryAfter <= 62, `Retry-After ${retryAfter}`);
  assert.match(refused.body, /Too many organization look-ups from your address/);
  assert.match(refused.body, /value="globex"/, 'the form keeps what was typed');
  assert.equal(refused.headers.location, undefined, 'nothing about the name is said');
  assert.equal((await server.server.app.inject({ url: '/tenant', remoteAddress: '192.0.2.10' })).statusCode, 200, 'the empty form');
  assert.equal((await choose('globex', '198.51.100.7')).headers.location, '/tenant/globex/', 'another address');
});
