/**
 * `Authorization: Basic base64(user@org:password)` as VCD's session endpoints take it. The user/org split is
 * on the LAST `@` (user names may contain `@`: vcd-wire §3.1), the user:password split on the first `:`.
 */
import { badCredentials } from '../domain/errors.js';

export interface BasicCredentials {
  userName: string;
  orgName: string;
  password: string;
}

export function parseBasicAuth(header: string | undefined): BasicCredentials {
  const m = header ? /^\s*basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
  if (!m) throw badCredentials();
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw badCredentials();
  const principalPart = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  const at = principalPart.lastIndexOf('@');
  if (at <= 0 || at === principalPart.length - 1) throw badCredentials();
  // No user or org name holds a control character (and PostgreSQL text cannot hold NUL): the same 401 as any
  // other wrong credential, before anything is looked up.
  if (/[\u0000-\u001f\u007f]/.test(principalPart) || principalPart.length > 512) throw badCredentials();
  return { userName: principalPart.slice(0, at), orgName: principalPart.slice(at + 1), password };
}
