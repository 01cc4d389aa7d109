/**
 * TOTP enrolment for the signed-in user (a Tessera extension under the cloudapi):
 *   POST   /cloudapi/1.0.0/users/current/totp          start: secret, otpauth:// URI, QR code SVG
 *   POST   /cloudapi/1.0.0/users/current/totp/confirm  {"code"}: enables it; from then on sign-in needs a code
 *   DELETE /cloudapi/1.0.0/users/current/totp          {"password","code"}: disables it
 *   GET    /cloudapi/1.0.0/users/current/totp          {"enabled"}
 * Only from a password session: a token session may not change how the user signs in. The rules live in
 * TotpEnrolmentService (src/auth/totp-enrolment.ts), shared with the portal; this file is the wire.
 */
import { contractValidatorCompiler } from '../contract/validator.js';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { CloudApiErrors, TotpConfirmBody, TotpDisableBody, TotpEnrolment, TotpStatus } from './schemas.js';
import { CLOUDAPI_BODY_ERRORS, NO_CONTENT, TotpConfirmed } from './responses.js';
import { requirePrincipal, sendCloudapiJson } from '../context.js';
import { badRequest, tooManyRequests, TesseraError } from '../../domain/errors.js';

export const cloudapiTotpRoutes: FastifyPluginAsync = async (plugin) => {
  const app = plugin.withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(contractValidatorCompiler);
  const totp = app.tessera.totpEnrolment;
  const base = '/cloudapi/1.0.0/users/current/totp';

  app.get(base, { schema: { response: { ...CloudApiErrors, 200: TotpStatus } } }, async (request, reply) => {
    const status = await totp.status(requirePrincipal(request));
    return sendCloudapiJson(request, reply, 200, { enabled: status === 'enabled' });
  });

  app.post(base, { schema: { response: { ...CloudApiErrors, 200: TotpEnrolment } } }, async (request, reply) => {
    const started = await totp.start(requirePrincipal(request));
    if (!started.ok) throw badRequest('TOTP is already enabled; disable it first to enrol a new device');
    const { secret, otpauthUri, qrCodeSvg } = started.enrolment;
    reply.header('Cache-Control', 'no-store');
    return sendCloudapiJson(request, reply, 200, { secret, otpauthUri, qrCodeSvg });
  });

  const confirmSchema = { body: TotpConfirmBody, response: { ...CLOUDAPI_BODY_ERRORS, 200: TotpConfirmed } };
  app.post(`${base}/confirm`, { schema: confirmSchema }, async (request, reply) => {
    const principal = requirePrincipal(request);
    const code = request.body.code;
    const confirmed = await totp.confirm(principal, code, request.ip);
    if (!confirmed.ok) {
      switch (confirmed.reason) {
        case 'already-enabled':
          throw badRequest('TOTP is already enabled');
        case 'not-started':
          throw badRequest('Start the enrolment first (POST ' + base + ')');
        case 'lapsed':
          throw badRequest('The enrolment was started more than 15 minutes ago and has lapsed; start it again (POST ' + base + ')');
        case 'wrong-code':
          throw new TesseraError('TOTP_INVALID', 'The verification code is wrong; check the device clock and try again', { status: 400 });
      }
    }
    // The first recovery codes (Tessera extension): in this answer only, never again (no-store).
    reply.header('Cache-Control', 'no-store');
    return sendCloudapiJson(request, reply, 200, { enabled: true, recoveryCodes: confirmed.recoveryCodes });
  });

  app.delete(base, { schema: { body: TotpDisableBody, response: { ...NO_CONTENT, ...CLOUDAPI_BODY_ERRORS } } }, async (request, reply) => {
    const principal = requirePrincipal(request);
    const { password, code } = request.body;
    // Password and code guesses are braked like sign-in attempts.
    const retryAfter = app.tessera.limits.signIn.hit(request.ip, `totp-disable|${principal.userId}`);
    if (retryAfter > 0) throw tooManyRequests(retryAfter, 'Too many attempts; retry later');
    const disabled = await totp.disable(principal, password, code, request.ip);
    if (!disabled.ok) {
      switch (disabled.reason) {
        case 'not-enabled':
          throw badRequest('TOTP is not enabled');
        case 'wrong-credentials':
          // A 400, not a 401: the session is fine, the proof in the body is not (a 401 reads as "sign in again"). Its
          // code says so too (until 2026-12-06 a 400 carried UNAUTHORIZED).
          throw badRequest(
            'The password and a fresh verification code are required to disable TOTP: one of them is wrong or was already used',
          );
      }
    }
    return reply.code(204).send();
  });
};
