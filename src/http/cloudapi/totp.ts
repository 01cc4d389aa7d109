/**
 * TOTP enrolment for the signed-in user (a Tessera extension under the cloudapi):
 *   POST   /cloudapi/1.0.0/users/current/totp          start: secret, otpauth:// URI, QR code SVG
 *   POST   /cloudapi/1.0.0/users/current/totp/confirm  {"code"}: enables it; from then on sign-in needs a code
 *   DELETE /cloudapi/1.0.0/users/current/totp          {"password","code"}: disables it
 *   GET    /cloudapi/1.0.0/users/current/totp          {"enabled"}
 * Only from a password session: a token session may not change how the user signs in.
 */
import type { FastifyPluginAsync } from 'fastify';
import { requirePrincipal, sendCloudapiJson } from '../context.js';
import { forbidden, badRequest, TesseraError } from '../errors.js';
import { can } from '../../domain/policy.js';
import { matchTotpStep, newTotpSecret, otpauthUri, qrCodeSvg } from '../../auth/totp.js';
import { verifyPassword } from '../../auth/passwords.js';

export const cloudapiTotpRoutes: FastifyPluginAsync = async (app) => {
  const services = app.tessera;
  const { store } = services;
  const base = '/cloudapi/1.0.0/users/current/totp';

  const loadSelf = async (request: Parameters<typeof requirePrincipal>[0]) => {
    const principal = requirePrincipal(request);
    if (!can(principal, 'totp.manageOwn')) throw forbidden();
    const user = await store.getUser(principal.userId);
    if (!user) throw forbidden();
    return { principal, user };
  };

  app.get(base, async (request, reply) => {
    const { user } = await loadSelf(request);
    return sendCloudapiJson(request, reply, 200, { enabled: user.totp_enabled === 1 });
  });

  app.post(base, async (request, reply) => {
    const { principal, user } = await loadSelf(request);
    if (user.totp_enabled === 1) throw badRequest('TOTP is already enabled; disable it first to enrol a new device');
    const secret = newTotpSecret();
    await store.updateUser(user.id, { totp_secret: secret, totp_enabled: 0, totp_last_step: 0 });
    const uri = otpauthUri(secret, principal.userName, principal.orgName);
    reply.header('Cache-Control', 'no-store');
    return sendCloudapiJson(request, reply, 200, { secret, otpauthUri: uri, qrCodeSvg: await qrCodeSvg(uri) });
  });

  app.post<{ Body: { code?: unknown } }>(`${base}/confirm`, async (request, reply) => {
    const { principal, user } = await loadSelf(request);
    const code = typeof request.body?.code === 'string' ? request.body.code.trim() : '';
    if (user.totp_enabled === 1) throw badRequest('TOTP is already enabled');
    if (!user.totp_secret) throw badRequest('Start the enrolment first (POST ' + base + ')');
    const step = matchTotpStep(user.totp_secret, code);
    if (step === null) throw new TesseraError('TOTP_INVALID', 'The verification code is wrong; check the device clock and try again', { status: 400 });
    await store.updateUser(user.id, { totp_enabled: 1, totp_last_step: step, totp_failures: 0, totp_locked_until: 0 });
    await services.audit.record({
      type: 'totp.enrolled',
      actor: { id: principal.userId, name: principal.userName },
      org: { id: principal.orgId, name: principal.orgName },
      ip: request.ip,
    });
    return sendCloudapiJson(request, reply, 200, { enabled: true });
  });

  app.delete<{ Body: { password?: unknown; code?: unknown } }>(base, async (request, reply) => {
    const { principal, user } = await loadSelf(request);
    if (user.totp_enabled !== 1) throw badRequest('TOTP is not enabled');
    const password = typeof request.body?.password === 'string' ? request.body.password : '';
    const code = typeof request.body?.code === 'string' ? request.body.code.trim() : '';
    const passwordOk = await verifyPassword(user.password_hash, password);
    const step = matchTotpStep(user.totp_secret!, code);
    if (!passwordOk || step === null || step <= Number(user.totp_last_step)) {
      throw new TesseraError('UNAUTHORIZED', 'The password and a fresh verification code are required to disable TOTP', { status: 400 });
    }
    await store.updateUser(user.id, { totp_enabled: 0, totp_secret: null, totp_last_step: 0 });
    await services.audit.record({
      type: 'totp.disabled',
      actor: { id: principal.userId, name: principal.userName },
      org: { id: principal.orgId, name: principal.orgName },
      ip: request.ip,
    });
    return reply.code(204).send();
  });
};
