/**
 * Changing one's own password (User preferences > Password):
 *   GET  {base}/preferences/password   the form: current password, the new one twice, "Also revoke all my API tokens"
 *   POST {base}/preferences/password   checks the form and the current password, then UserService.update
 *
 * UserService does what a password change means (ASVS 7.4.3): every other session of the user ends, the one
 * that made the change stays, and the API tokens are revoked when asked. The current password is checked
 * here first: a session alone (a browser left open) must not be enough to take the account over. Wrong
 * current passwords count against the same per-user limit as sign-in attempts, and as failed sign-ins towards the
 * org's lockout and the failure budgets, and are audited (UserService.checkCurrentPassword).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../context.js';
import type { Principal } from '../../../domain/principal.js';
import type { PortalDeps } from '../deps.js';
import { requireSignedIn, type SignedInState } from '../portal-session.js';
import { signedInFrame } from '../page-frame.js';
import { formField, seeOther, sendPage } from '../respond.js';
import { FORM, PAGE } from '../responses.js';
import { canChangeOwnPassword } from '../access.js';
import { TesseraError, forbidden } from '../../../domain/errors.js';
import { passwordProblem, samePassword } from '../../../auth/passwords.js';
import { changePasswordPage, type PasswordField } from '../views/password.js';
import { signInAccount } from '../../../domain/user-name.js';

/**
 * Counts one password attempt made from a session (changing the password, turning two-factor off) against the
 * sign-in limiter, under the same key as the user's sign-in attempts; returns 0, or the seconds to wait.
 */
export function passwordAttemptsExceeded(services: Services, request: FastifyRequest, principal: Principal): number {
  return services.limits.signIn.hit(request.ip, signInAccount(principal.userName, principal.orgName));
}

/**
 * Runs a check of a password typed at the session; when the sign-in brakes refuse it (the account locked, a failure
 * budget spent: SessionService.checkPassword), sets Retry-After and answers their reason for the form to show.
 */
export async function lockedOrBraked<T extends object>(reply: FastifyReply, check: () => Promise<T>): Promise<T | { refused: string }> {
  try {
    return await check();
  } catch (error) {
    if (!(error instanceof TesseraError) || error.code !== 'TOO_MANY_REQUESTS') throw error;
    reply.header('Retry-After', error.headers['Retry-After'] ?? '1');
    return { refused: error.message };
  }
}

/** passwordProblem() speaks of "password"; the form has two, so name the one meant. */
function newPasswordMessage(problem: string): string {
  return `${problem.replace(/^password\b/, 'The new password')}.`;
}

export function passwordRoutes(app: FastifyInstance, deps: PortalDeps): void {
  const { services } = deps;

  const requireCanChange = (request: FastifyRequest): SignedInState => {
    const state = requireSignedIn(request);
    if (!canChangeOwnPassword(state.principal)) throw forbidden('This session cannot change the password.');
    return state;
  };

  app.get('/preferences/password', { schema: { response: PAGE } }, async (request, reply) => {
    const state = requireCanChange(request);
    return sendPage(
      reply,
      changePasswordPage(signedInFrame(state, deps, 'preferences'), { error: null, field: null, revokeTokens: false }),
    );
  });

  app.post('/preferences/password', { config: { csrf: 'session' }, schema: { response: FORM } }, async (request, reply) => {
    const state = requireCanChange(request);
    const { principal } = state;
    const current = formField(request, 'currentPassword');
    const next = formField(request, 'newPassword');
    const repeated = formField(request, 'confirmPassword');
    const revokeTokens = formField(request, 'revokeTokens') === 'yes';
    // Typed passwords are never sent back: every field is empty again; the checkbox keeps its state.
    const rerender = (status: number, field: PasswordField, error: string) =>
      sendPage(reply, changePasswordPage(signedInFrame(state, deps, 'preferences'), { error, field, revokeTokens }), status);

    if (current === '') return rerender(400, 'current', 'Enter your current password.');
    if (next === '') return rerender(400, 'new', 'Enter a new password.');
    if (!samePassword(next, repeated))
      return rerender(400, 'confirm', 'The new passwords do not match. Type the same new password in both fields.');
    const problem = passwordProblem(next);
    if (problem) return rerender(400, 'new', newPasswordMessage(problem));
    if (samePassword(next, current)) return rerender(400, 'new', 'The new password must be different from your current password.');

    const retryAfter = passwordAttemptsExceeded(services, request, principal);
    if (retryAfter > 0) {
      reply.header('Retry-After', String(retryAfter));
      return rerender(429, 'current', 'Too many attempts. Wait a minute and try again. Your password was not changed.');
    }
    const user = await services.store.getUser(principal.userId);
    if (!user) throw forbidden();
    const checked = await lockedOrBraked(reply, async () => ({
      right: await services.users.checkCurrentPassword(principal, user, current, request.ip),
    }));
    if ('refused' in checked) return rerender(429, 'current', `${checked.refused}. Your password was not changed.`);
    if (!checked.right) return rerender(400, 'current', 'Your current password is wrong. Your password was not changed.');

    // How many tokens the change revokes: the same rows UserService revokes (its live tokens), counted just before.
    const tokens = revokeTokens ? (await services.store.liveApiTokenIdsOfUser(user.id)).length : null;
    try {
      await services.users.update(user, { password: next }, { revokeTokensOnPasswordChange: revokeTokens }, principal, request.ip);
    } catch (error) {
      if (error instanceof TesseraError && error.code === 'BAD_REQUEST') return rerender(400, 'new', newPasswordMessage(error.message));
      throw error;
    }
    const query = tokens === null ? 'done=password-changed' : `done=password-changed&tokens=${tokens}`;
    return seeOther(reply, `${state.org.basePath}/preferences?${query}#password`);
  });
}
