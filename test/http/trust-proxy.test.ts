/**
 * X-Forwarded-For/-Proto/-Host count only from configured proxies (src/trusted-proxies.ts, `--trust-proxy`).
 * Without the setting a client cannot choose the address that the audit trail, the per-address limits and
 * "last used" record; with it, the right-most address that is not a trusted proxy is the client, whatever a
 * client wrote on the left.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, DEMO_PASSWORD, type TesseraHandle } from '../helpers/tessera.js';
import { basic } from '../helpers/api.js';
import { lastSignInAddress } from '../helpers/audit.js';
import { raw, JSON_37 } from '../security/support.js';

/** Signs alice in with these extra headers; returns the IP of the audit event it wrote and the Link header. */
async function signInFrom(handle: TesseraHandle, headers: Record<string, string>): Promise<{ ip: string | null; link: string }> {
  const res = await raw(`${handle.baseUrl}/cloudapi/1.0.0/sessions`, {
    method: 'POST',
    headers: { Authorization: basic('alice', 'acme', DEMO_PASSWORD), Accept: JSON_37, ...headers },
  });
  assert.equal(res.status, 200, res.text);
  return { ip: await lastSignInAddress(handle.store), link: res.headers.get('link') ?? '' };
}

test('without --trust-proxy, X-Forwarded-* are ignored: the client is the socket peer', async (t) => {
  const handle = await startTessera({ backend: 'sqlite' });
  t.after(() => handle.stop());
  const seen = await signInFrom(handle, {
    'X-Forwarded-For': '203.0.113.9',
    'X-Forwarded-Proto': 'https',
    'X-Forwarded-Host': 'evil.example.com',
  });
  assert.equal(seen.ip, '127.0.0.1');
  assert.match(seen.link, /^<http:\/\/127\.0\.0\.1:\d+\/cloudapi\//, 'neither the forwarded scheme nor host is believed');
});

test('with --trust-proxy 127.0.0.1, the right-most untrusted address is the client', async (t) => {
  const handle = await startTessera({ backend: 'sqlite', config: { trustProxy: '127.0.0.1' } });
  t.after(() => handle.stop());
  const one = await signInFrom(handle, { 'X-Forwarded-For': '198.51.100.7' });
  assert.equal(one.ip, '198.51.100.7');
  // A client that writes its own X-Forwarded-For gets it prepended to, not replaced: the proxy's entry is right-most.
  const spoofed = await signInFrom(handle, { 'X-Forwarded-For': '10.9.9.9, 192.0.2.1, 198.51.100.7' });
  assert.equal(spoofed.ip, '198.51.100.7', 'spoofed left-most entries are ignored');
  // Trusted hops on the right are skipped, untrusted ones are not.
  const chain = await signInFrom(handle, { 'X-Forwarded-For': '192.0.2.1, 198.51.100.8, 127.0.0.1' });
  assert.equal(chain.ip, '198.51.100.8');
  // The scheme and host of a trusted proxy are believed (hrefs then name the public origin).
  const forwarded = await signInFrom(handle, { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'vcd.example.com' });
  assert.match(forwarded.link, /^<https:\/\/vcd\.example\.com\/cloudapi\//);
});

test('a trusted list that does not include the peer believes nothing', async (t) => {
  const handle = await startTessera({ backend: 'sqlite', config: { trustProxy: '10.0.0.0/8' } });
  t.after(() => handle.stop());
  const seen = await signInFrom(handle, { 'X-Forwarded-For': '198.51.100.7', 'X-Forwarded-Proto': 'https' });
  assert.equal(seen.ip, '127.0.0.1');
  assert.match(seen.link, /^<http:\/\/127\.0\.0\.1:/);
});

test('per-address brakes count an IPv6 client by its /64, and the audit trail still names the whole address', async (t) => {
  const failures = 3;
  const handle = await startTessera({ backend: 'sqlite', config: { trustProxy: '127.0.0.1', signInFailuresPerAddress: failures } });
  t.after(() => handle.stop());
  const attempt = (address: string, user: string, password: string) =>
    raw(`${handle.baseUrl}/cloudapi/1.0.0/sessions`, {
      method: 'POST',
      headers: { Authorization: basic(user, 'acme', password), Accept: JSON_37, 'X-Forwarded-For': address },
    });
  // One wrong password per account (spraying), each from another address of one /64: until 2026-12-05 every
  // address had a budget of its own, so a /64's 2^64 addresses had no brake at all.
  for (let i = 1; i <= failures; i++) assert.equal((await attempt(`2001:db8:7:7::${i}`, `nobody-${i}`, 'wrong-password')).status, 401);
  const braked = await attempt('2001:db8:7:7::ffff', 'alice', DEMO_PASSWORD);
  assert.equal(braked.status, 429, 'the same /64, even with the right password');
  assert.equal((await attempt('2001:db8:7:8::1', 'alice', DEMO_PASSWORD)).status, 200, 'the next /64 is another client');
  assert.equal((await attempt('203.0.113.5', 'bob', DEMO_PASSWORD)).status, 200, 'an IPv4 client is its own');
  const row = await handle.store.db
    .selectFrom('audit_events')
    .select(['ip'])
    .where('event_type', '=', 'session.created')
    .orderBy('at', 'desc')
    .limit(2)
    .execute();
  assert.deepEqual(row.map((r) => r.ip).sort(), ['2001:db8:7:8::1', '203.0.113.5']);
});
