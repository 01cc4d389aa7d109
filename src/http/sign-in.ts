/**
 * Password sign-in from an HTTP request, shared by the cloudapi (`POST /cloudapi/1.0.0/sessions[/provider]`) and
 * the legacy API (`POST /api/sessions`, `/api/login`). It lives here, outside both API areas, so that neither
 * area imports the other (test/architecture/layering.test.ts).
 * Order matters: the rate limit is counted before any password is checked, keyed by caller IP and the named
 * user@org, so guessing is bounded per account without letting one noisy IP lock everyone out. A sign-in that
 * succeeds is forgiven its hit: the limit brakes guessing, not use. Terraform's provider signs in at every
 * `plan` and two or three times per `apply`, and a CI runner with a few workspaces on one account went past 20 a
 * minute; govcd reads the 429 as no token at all and reports "[ENF] entity not found" for the org.
 */
import type { FastifyRequest } from 'fastify';
import type { SignInRequest } from '../auth/sessions.js';
import { tooManyRequests } from '../domain/errors.js';
import { parseBasicAuth } from './basic-auth.js';
import type { Services } from './context.js';
import { signInAccount } from '../domain/user-name.js';

export async function signInFromRequest(services: Services, request: FastifyRequest, endpoint: SignInRequest['endpoint']) {
  const credentials = parseBasicAuth(request.headers.authorization);
  const tried = signInAccount(credentials.userName, credentials.orgName);
  const retryAfter = services.limits.signIn.hit(request.ip, tried);
  if (retryAfter > 0) throw tooManyRequests(retryAfter, 'Too many sign-in attempts; retry later');
  const totpHeader = request.headers['x-tessera-totp'];
  const signedIn = await services.sessions.signIn({
    ...credentials,
    totpCode: typeof totpHeader === 'string' ? totpHeader : null,
    endpoint,
    ip: request.ip,
  });
  services.limits.signIn.forgive(request.ip, tried);
  return signedIn;
}
