/**
 * What the portal shows once (a new API token, new recovery codes) goes from the POST that made it to the one GET
 * that shows it in a cookie sealed with the portal key and bound to the session (crypto/encrypted-value.ts).
 * Three things make that "once" hold, also against a client that keeps a copy of the cookie (a script's cookie
 * jar that ignores the clearing, a proxy's log, the back button of a browser that cached the redirect):
 * - the page that reads the cookie clears the browser's copy;
 * - the seal carries its own end, CREATED_TOKEN_SECONDS after it was made, checked here: a copy does not open for
 *   as long as the session lives, whatever the cookie's Max-Age said;
 * - it carries a random id that the page claims in the store (migration 0021) before it shows anything: exactly
 *   one request, on any node, wins the claim, and every other presentation of that cookie is told the secret
 *   cannot be shown again. The store never holds the secret, only the id.
 * The code step of the sign-in claims its pending record's nonce in the same table (SessionService.completeSecondFactor),
 * so that one password step makes one session.
 */
import { randomUUID } from 'node:crypto';
import type { Store } from '../../store/store.js';
import { CREATED_TOKEN_SECONDS } from './cookies.js';
import { decryptValue, encryptValue } from './crypto/encrypted-value.js';

interface Sealed {
  /** The id claimed when the page is served. */
  once: string;
  /** Epoch ms after which the seal no longer opens. */
  until: number;
  value: unknown;
}

export function sealShownOnce(key: Buffer, value: unknown, context: string, now = Date.now()): string {
  const sealed: Sealed = { once: randomUUID(), until: now + CREATED_TOKEN_SECONDS * 1000, value };
  return encryptValue(key, sealed, context);
}

/**
 * The sealed value, claimed: null when the cookie is missing, altered, of another session, past its end, or was
 * shown before (on this node or any other).
 */
export async function openShownOnce(
  store: Pick<Store, 'claimShownOnce'>,
  key: Buffer,
  cookie: string | undefined,
  context: string,
  now = Date.now(),
): Promise<unknown> {
  const opened = decryptValue(key, cookie, context) as Partial<Sealed> | null;
  if (!opened || typeof opened.once !== 'string' || typeof opened.until !== 'number' || opened.until <= now) return null;
  if (!(await store.claimShownOnce(opened.once, opened.until))) return null;
  return opened.value ?? null;
}
