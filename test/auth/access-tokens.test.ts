/**
 * Access tokens (src/auth/access-tokens.ts, jwt-hs256.ts) and how a request's credential is found
 * (authenticator.ts): ASVS 9.1-9.2 anchors from reference/token-systems.md D3 item 9: `alg: none`, another
 * algorithm, a foreign key id, a wrong audience or issuer, an expired token, a token from the future, and any
 * tampering are all refused.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { AccessTokenService, MAX_CACHED_ACCESS_TOKENS, endsTooSoon } from '../../src/auth/access-tokens.js';
import { credentialFromHeaders } from '../../src/auth/authenticator.js';

const key = { kid: randomUUID(), secret: randomBytes(32).toString('base64url') };
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

/** Signs an arbitrary header and payload with the service's key (what an attacker cannot do, except for `none`). */
function forge(header: object, payload: object, secret = key.secret): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', Buffer.from(secret, 'base64url')).update(input).digest('base64url')}`;
}

const goodPayload = () => {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: 'tessera',
    aud: 'tessera-api',
    sub: randomUUID(),
    jti: randomUUID(),
    iat: now,
    exp: now + 60,
    org: randomUUID(),
    kind: 'password',
    tid: null,
    ims: Date.now(),
  };
};
const goodHeader = { alg: 'HS256', typ: 'at+jwt', kid: key.kid };

describe('AccessTokenService', () => {
  test('mints JWTs longer than 32 characters that verify to the claims', async () => {
    const service = new AccessTokenService(key, 60);
    const { token, claims } = await service.mint({
      userId: randomUUID(),
      orgId: randomUUID(),
      kind: 'api_token',
      apiTokenId: randomUUID(),
    });
    assert.ok(token.length > 32);
    assert.equal(token.split('.').length, 3);
    assert.deepEqual(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()), { alg: 'HS256', typ: 'at+jwt', kid: key.kid });
    assert.equal(claims.exp - claims.iat, 60);
    // A fresh service (another node with the same key) verifies it from scratch.
    const other = new AccessTokenService(key, 60);
    assert.deepEqual(await other.verify(token), claims);
    assert.equal(other.lifetimeSeconds, 60);
  });

  test('a token lives at most one lifetime of the verifying node: a shorter lifetime after a restart ends older tokens', async () => {
    const before = new AccessTokenService(key, 3600);
    const { token, claims } = before.mint({ userId: randomUUID(), orgId: randomUUID(), kind: 'api_token', apiTokenId: randomUUID() });
    assert.equal(claims.exp - claims.iat, 3600);
    // The same store restarted with a 60 s lifetime: this node remembers revocations for 60 s (plus the skew), so
    // the token must end 60 s after it was issued, not an hour (a revoked token's sessions came back until 2026-12-05).
    const after = new AccessTokenService(key, 60);
    const verified = await after.verify(token);
    assert.equal(verified?.exp, claims.iat + 60);
    assert.equal(await new AccessTokenService(key, 60).verify(token, claims.iat + 61), null);
    assert.ok((await new AccessTokenService(key, 3600).verify(token, claims.iat + 61)) !== null, 'the longer lifetime still holds it');
    // Each revocation is remembered until every token it could affect has ended: one lifetime, plus the allowed skew.
    const now = Date.now();
    assert.equal(after.revocationRelevantUntil(now), now + (60 + 60) * 1000);
  });

  test('a forged-but-correct token verifies (the test\u2019s forge helper is faithful)', async () => {
    const service = new AccessTokenService(key, 60);
    assert.ok(await service.verify(forge(goodHeader, goodPayload())));
  });

  const refused: Array<[string, () => string]> = [
    ['alg none, no signature', () => `${b64({ alg: 'none', typ: 'at+jwt', kid: key.kid })}.${b64(goodPayload())}.`],
    ['alg none with our header otherwise', () => `${b64({ ...goodHeader, alg: 'none' })}.${b64(goodPayload())}.`],
    ['HS512 header', () => forge({ ...goodHeader, alg: 'HS512' }, goodPayload())],
    ['RS256 header (algorithm confusion)', () => forge({ ...goodHeader, alg: 'RS256' }, goodPayload())],
    ['a foreign kid', () => forge({ ...goodHeader, kid: randomUUID() }, goodPayload())],
    ['typ JWT instead of at+jwt', () => forge({ ...goodHeader, typ: 'JWT' }, goodPayload())],
    ['another key', () => forge(goodHeader, goodPayload(), randomBytes(32).toString('base64url'))],
    ['wrong audience', () => forge(goodHeader, { ...goodPayload(), aud: 'someone-else' })],
    ['wrong issuer', () => forge(goodHeader, { ...goodPayload(), iss: 'evil' })],
    ['expired', () => forge(goodHeader, { ...goodPayload(), exp: Math.floor(Date.now() / 1000) - 1 })],
    [
      'issued in the future',
      () => forge(goodHeader, { ...goodPayload(), iat: Math.floor(Date.now() / 1000) + 3600, exp: Math.floor(Date.now() / 1000) + 7200 }),
    ],
    ['unknown session kind', () => forge(goodHeader, { ...goodPayload(), kind: 'superuser' })],
    ['missing sub', () => forge(goodHeader, { ...goodPayload(), sub: undefined })],
    ['missing exp', () => forge(goodHeader, { ...goodPayload(), exp: undefined })],
    ['string exp', () => forge(goodHeader, { ...goodPayload(), exp: '9999999999' })],
    ['a JSON array payload', () => forge(goodHeader, [1, 2, 3])],
    ['two parts', () => forge(goodHeader, goodPayload()).split('.').slice(0, 2).join('.')],
    ['four parts', () => `${forge(goodHeader, goodPayload())}.x`],
    ['empty', () => ''],
    ['huge', () => 'a'.repeat(10_000)],
  ];
  for (const [name, make] of refused) {
    test(`refused: ${name}`, async () => {
      const service = new AccessTokenService(key, 60);
      assert.equal(await service.verify(make()), null);
    });
  }

  test('property: any single-character change to a minted token is refused by a fresh verifier', async () => {
    const minted = (
      await new AccessTokenService(key, 60).mint({ userId: randomUUID(), orgId: randomUUID(), kind: 'password', apiTokenId: null })
    ).token;
    await fc.assert(
      fc.asyncProperty(
        fc.nat(minted.length - 1),
        fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.'.split('')),
        async (i, ch) => {
          fc.pre(minted[i] !== ch);
          const changed = minted.slice(0, i) + ch + minted.slice(i + 1);
          const claims = await new AccessTokenService(key, 60).verify(changed);
          // base64url's last character can carry unused bits; a change there that decodes to the same bytes is the same token.
          if (claims !== null)
            assert.equal(
              Buffer.from(changed.split('.')[2] ?? '', 'base64url').equals(Buffer.from(minted.split('.')[2]!, 'base64url')),
              true,
            );
        },
      ),
      { numRuns: 300 },
    );
  });

  test('a cached token still expires', async () => {
    const service = new AccessTokenService(key, 60);
    const { token, claims } = await service.mint({ userId: randomUUID(), orgId: randomUUID(), kind: 'password', apiTokenId: null });
    assert.ok(await service.verify(token));
    assert.equal(await service.verify(token, claims.exp + 1), null);
  });

  test(`at most ${MAX_CACHED_ACCESS_TOKENS} verified tokens are remembered, the oldest first out, and an evicted one still verifies`, async () => {
    const service = new AccessTokenService(key, 300);
    const mint = () => service.mint({ userId: randomUUID(), orgId: randomUUID(), kind: 'password', apiTokenId: null }).token;
    const first = mint();
    assert.ok(await service.verify(first));
    assert.ok(service.cached(first), 'a verified token is remembered');
    const later: string[] = [];
    for (let i = 0; i < MAX_CACHED_ACCESS_TOKENS; i++) {
      const token = mint();
      later.push(token);
      assert.ok(await service.verify(token));
    }
    assert.equal(service.cached(first), undefined, 'the oldest was evicted');
    assert.ok(service.cached(later[0]!) && service.cached(later.at(-1)!), 'the newer ones stay');
    assert.ok(await service.verify(first), 'the evicted token verifies again');
    assert.ok(service.cached(first), 'and is remembered again');
    assert.equal(service.cached(later[0]!), undefined, 'in place of the oldest');
  });
});

describe('credentialFromHeaders', () => {
  const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
  test('Authorization: Bearer in any case, then X-VMWARE-VCLOUD-ACCESS-TOKEN, then x-vcloud-authorization', () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      assert.deepEqual(credentialFromHeaders({ authorization: `${scheme} ${jwt}` }), { kind: 'access_token', value: jwt });
    }
    assert.deepEqual(credentialFromHeaders({ 'x-vmware-vcloud-access-token': ` ${jwt} ` }), { kind: 'access_token', value: jwt });
    assert.deepEqual(credentialFromHeaders({ 'x-vcloud-authorization': 'a'.repeat(32) }), { kind: 'legacy', value: 'a'.repeat(32) });
    assert.deepEqual(
      credentialFromHeaders({ authorization: `Bearer ${jwt}`, 'x-vmware-vcloud-access-token': 'other', 'x-vcloud-authorization': 'x' }),
      { kind: 'access_token', value: jwt },
      'Authorization wins',
    );
    assert.deepEqual(credentialFromHeaders({ authorization: 'Basic abc', 'x-vmware-vcloud-access-token': jwt }), {
      kind: 'access_token',
      value: jwt,
    });
    assert.equal(credentialFromHeaders({}), null);
    assert.equal(credentialFromHeaders({ authorization: 'Basic abc' }), null);
    assert.deepEqual(credentialFromHeaders({ authorization: [`Bearer ${jwt}`, 'bearer Bearer x'] }), { kind: 'access_token', value: jwt });
  });
});

test('a credential in its last second makes no session: expires_in would be 0, which golang.org/x/oauth2 reads as "never"', () => {
  const now = 1_700_000_000_500;
  assert.equal(endsTooSoon(null, now), false, 'no end');
  assert.equal(endsTooSoon(now + 1000, now), false, 'a whole second left');
  assert.equal(endsTooSoon(now + 999, now), true);
  assert.equal(endsTooSoon(now, now), true);
  // A credential with a second or more left makes a session of at least a second: exp is never at or before iat.
  const service = new AccessTokenService(key, 3600);
  for (let i = 0; i < 50; i++) {
    const start = Date.now();
    const { expiresIn } = service.mint({
      userId: randomUUID(),
      orgId: randomUUID(),
      kind: 'api_token',
      apiTokenId: null,
      notAfterMs: start + 1000,
    });
    assert.ok(expiresIn >= 1, `expires_in ${expiresIn}`);
  }
});
