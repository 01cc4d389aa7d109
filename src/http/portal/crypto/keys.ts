/**
 * The portal's keys: one random secret per installation, kept in the store (`meta.portal_secret`) so every node
 * behind a load balancer shares it, and a key derived from it for each use (HKDF, one label per use), so a
 * value made for one purpose never verifies for another. Separate from the access-token signing key: a CSRF
 * or cookie bug here cannot forge an access token.
 */
import { hkdfSync, randomBytes } from 'node:crypto';
import type { Store } from '../../../store/store.js';

export interface PortalKeys {
  /** HMAC key of the CSRF synchronizer tokens. */
  readonly csrf: Buffer;
  /** HMAC key of the half-signed-in (password checked, code pending) cookie. */
  readonly pendingSignIn: Buffer;
  /** AES-256-GCM key of the cookie that carries a new API token to the one page that shows it. */
  readonly createdToken: Buffer;
}

const META_KEY = 'portal_secret';

export async function loadPortalKeys(store: Store): Promise<PortalKeys> {
  // Insert-if-absent, then read back: when two nodes start at once, both end up with the winner's secret.
  await store.db
    .insertInto('meta')
    .values({ key: META_KEY, value: randomBytes(32).toString('base64url') })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const secret = Buffer.from((await store.getMeta(META_KEY))!, 'base64url');
  return Object.freeze({
    csrf: derive(secret, 'tessera-portal csrf'),
    pendingSignIn: derive(secret, 'tessera-portal pending-sign-in'),
    createdToken: derive(secret, 'tessera-portal created-token'),
  });
}

function derive(secret: Buffer, label: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), label, 32));
}
