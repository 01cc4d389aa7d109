/**
 * TOTP enrolment from the portal, the same steps and rules as the cloudapi's (src/http/cloudapi/totp.ts):
 * start (a new secret, stored but not yet enabled) -> confirm with a first code (enables it; that code's time
 * step counts as used). Only from a password session, as the policy says (`totp.manageOwn`).
 */
import type { Principal } from '../../auth/principal.js';
import type { Services } from '../context.js';
import { can } from '../../domain/policy.js';
import { badRequest, forbidden } from '../errors.js';
import { matchTotpStep, newTotpSecret, otpauthUri, qrCodeSvg } from '../../auth/totp.js';

export type TotpState = 'enabled' | 'enrolling' | 'off';

async function loadSelf(services: Services, principal: Principal) {
  if (!can(principal, 'totp.manageOwn')) throw forbidden();
  const user = await services.store.getUser(principal.userId);
  if (!user) throw forbidden();
  return user;
}

export async function totpState(services: Services, principal: Principal): Promise<TotpState> {
  const user = await loadSelf(services, principal);
  if (user.totp_enabled === 1) return 'enabled';
  return user.totp_secret ? 'enrolling' : 'off';
}

export async function startTotpEnrolment(services: Services, principal: Principal): Promise<void> {
  const user = await loadSelf(services, principal);
  if (user.totp_enabled === 1) throw badRequest('Two-factor authentication is already enabled');
  await services.store.updateUser(user.id, { totp_secret: newTotpSecret(), totp_enabled: 0, totp_last_step: 0 });
}

/** The started enrolment's secret and QR code, or null when none was started (or it is already enabled). */
export async function enrolmentInProgress(
  services: Services,
  principal: Principal,
): Promise<{ secret: string; qrCodeDataUri: string } | null> {
  const user = await loadSelf(services, principal);
  if (user.totp_enabled === 1 || !user.totp_secret) return null;
  const svg = await qrCodeSvg(otpauthUri(user.totp_secret, principal.userName, principal.orgName));
  return { secret: user.totp_secret, qrCodeDataUri: `data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}` };
}

/** True when the code matched and TOTP is now enabled. */
export async function confirmTotpEnrolment(services: Services, principal: Principal, code: string, ip: string): Promise<boolean> {
  const user = await loadSelf(services, principal);
  if (user.totp_enabled === 1 || !user.totp_secret) return false;
  const step = matchTotpStep(user.totp_secret, code.trim());
  if (step === null) return false;
  await services.store.updateUser(user.id, { totp_enabled: 1, totp_last_step: step, totp_failures: 0, totp_locked_until: 0 });
  await services.audit.record({
    type: 'totp.enrolled',
    actor: { id: principal.userId, name: principal.userName },
    org: { id: principal.orgId, name: principal.orgName },
    ip,
  });
  return true;
}
