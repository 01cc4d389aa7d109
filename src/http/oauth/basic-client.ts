/**
 * The client id a client authenticating with HTTP Basic (RFC 6749 §2.3.1) names in its Authorization header: the
 * user part, form-urlencoded before base64. A device-code poll may name its client there instead of in the body
 * (RFC 8628 §3.4 asks for `client_id` in the body only of a client that does not authenticate): openid-client
 * configured with `client_secret_basic` polls so. Undefined when the header is no Basic credential.
 */
export function basicClientId(authorization: string | undefined): string | undefined {
  const m = /^Basic[ \t]+([A-Za-z0-9+/=]+)[ \t]*$/i.exec(authorization ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const user = colon === -1 ? decoded : decoded.slice(0, colon);
  try {
    return decodeURIComponent(user.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}
