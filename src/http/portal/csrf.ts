/**
 * CSRF protection for every portal form: a synchronizer token, HMAC-SHA256(key, binding), sent in a hidden
 * `_csrf` field and checked in `preHandler` (the form body is parsed by then; in `onRequest` it is not yet).
 * Nothing is stored: the token is recomputed from what the form is bound to:
 *   session  the signed-in session's id (the access token's jti): a token is useless in any other session
 *   signIn   the random id of the sign-in-form cookie (before sign-in there is no session to bind to)
 *   pending  the nonce of the half-signed-in cookie (the verification-code form)
 * SameSite=Strict cookies already keep cross-site posts from carrying a session; this is the second wall.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type CsrfBinding = 'session' | 'signIn' | 'pending';

export const CSRF_FIELD = '_csrf';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What a POST route's `_csrf` field is bound to. A portal POST route without it is refused (fail closed). */
    csrf?: CsrfBinding;
    /**
     * Sign-out: a request the browser marks as from this very origin (`Sec-Fetch-Site: same-origin`) ends the session
     * even when its token is stale (portal/index.ts, checkCsrf).
     */
    signOut?: true;
    /**
     * The sign-in form: a stale token on a post from this site sets `request.portal.signInFormExpired` instead of the
     * 403, and the handler shows the form again without checking any credential (portal/index.ts, checkCsrf).
     */
    signInForm?: true;
  }
}

export class CsrfTokens {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    this.key = key;
  }

  issue(binding: CsrfBinding, boundTo: string): string {
    return createHmac('sha256', this.key).update(`${binding}\u0000${boundTo}`, 'utf8').digest('base64url');
  }

  verify(binding: CsrfBinding, boundTo: string | null, presented: unknown): boolean {
    if (boundTo === null || typeof presented !== 'string' || presented === '') return false;
    const expected = Buffer.from(this.issue(binding, boundTo), 'utf8');
    const given = Buffer.from(presented, 'utf8');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
