/**
 * TOTP (RFC 6238: SHA-1, 6 digits, 30 s) as the second sign-in factor, on otpauth.
 * Replay: a code is accepted only for a time step newer than the last accepted one.
 * Brute force: after `maxAttempts` failures the user is locked out for `lockoutSeconds` (429 + Retry-After).
 */
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';

const PERIOD = 30;

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

function totpFor(secretBase32: string, label = 'user', issuer = 'Tessera'): TOTP {
  return new TOTP({ issuer, label, algorithm: 'SHA1', digits: 6, period: PERIOD, secret: Secret.fromBase32(secretBase32) });
}

export function otpauthUri(secretBase32: string, userName: string, orgName: string): string {
  return totpFor(secretBase32, `${userName}@${orgName}`).toString();
}

export function qrCodeSvg(uri: string): Promise<string> {
  return QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });
}

/** The code for a given time (tests and the CLI's scripted sign-in use it). */
export function totpCode(secretBase32: string, atMs = Date.now()): string {
  return totpFor(secretBase32).generate({ timestamp: atMs });
}

/**
 * Returns the time step the code belongs to (current step ±1 for clock skew), or null when it matches none.
 */
export function matchTotpStep(secretBase32: string, code: string, atMs = Date.now()): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totpFor(secretBase32).validate({ token: code, timestamp: atMs, window: 1 });
  if (delta === null) return null;
  return Math.floor(atMs / 1000 / PERIOD) + delta;
}
