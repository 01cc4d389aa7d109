/**
 * A tiny browser stand-in for portal tests through `app.inject()`: it keeps cookies between requests (by
 * name; paths are ignored, so a path-scoped cookie is sent everywhere: tests that care read Set-Cookie) and
 * knows how to fill in the forms' CSRF field.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { matchTotpStep, totpCode } from '../../src/auth/totp.js';

export interface SetCookie {
  name: string;
  value: string;
  /** The raw Set-Cookie line, for flag assertions. */
  raw: string;
}

export function setCookiesOf(response: { headers: Record<string, unknown> }): SetCookie[] {
  const header = response.headers['set-cookie'];
  const lines = header === undefined ? [] : Array.isArray(header) ? (header as string[]) : [String(header)];
  return lines.map((raw) => {
    const [pair] = raw.split(';');
    const eq = pair!.indexOf('=');
    return { name: pair!.slice(0, eq).trim(), value: decodeURIComponent(pair!.slice(eq + 1).trim()), raw };
  });
}

/** The value of the first `_csrf` hidden field in a page. */
export function csrfFrom(html: string): string {
  const m = /name="_csrf" value="([^"]*)"/.exec(html);
  if (!m) throw new Error('no _csrf field in the page');
  return m[1]!;
}

export class PortalClient {
  readonly app: FastifyInstance;
  readonly cookies = new Map<string, string>();

  constructor(app: FastifyInstance) {
    this.app = app;
  }

  private remember(response: LightMyRequestResponse): void {
    for (const c of setCookiesOf(response)) {
      const cleared = c.value === '' || /Max-Age=0\b/i.test(c.raw) || /Expires=Thu, 01 Jan 1970/i.test(c.raw);
      if (cleared) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
  }

  private cookieHeader(): Record<string, string> {
    if (this.cookies.size === 0) return {};
    return { cookie: [...this.cookies].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('; ') };
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const res = await this.app.inject({ method: 'GET', url, headers: { accept: 'text/html', ...this.cookieHeader(), ...headers } });
    this.remember(res);
    return res;
  }

  /** Any method, with this browser's cookies and no body. */
  async send(method: 'PUT' | 'DELETE' | 'PATCH' | 'OPTIONS' | 'GET', url: string): Promise<LightMyRequestResponse> {
    const res = await this.app.inject({ method, url, headers: { accept: 'text/html', ...this.cookieHeader() } });
    this.remember(res);
    return res;
  }

  async post(
    url: string,
    form: Record<string, string> | URLSearchParams,
    headers: Record<string, string> = {},
  ): Promise<LightMyRequestResponse> {
    const res = await this.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', ...this.cookieHeader(), ...headers },
      payload: new URLSearchParams(form).toString(),
    });
    this.remember(res);
    return res;
  }

  /** GETs the page holding the form, then posts it with that page's CSRF token. */
  async submit(formPage: string, action: string, form: Record<string, string>): Promise<LightMyRequestResponse> {
    const page = await this.get(formPage);
    return this.post(action, { _csrf: csrfFrom(page.body), ...form });
  }

  /** Password (and, when given a TOTP secret, the code step); throws unless it ends signed in. */
  async signIn(portal: string, user: string, password: string, totpSecret?: string): Promise<void> {
    let res = await this.submit(`${portal}/login`, `${portal}/login`, { username: user, password });
    if (res.statusCode === 303 && res.headers.location === `${portal}/login/code`) {
      if (!totpSecret) throw new Error(`${user} needs a verification code`);
      res = await this.submit(`${portal}/login/code`, `${portal}/login/code`, { code: totpCode(totpSecret, Date.now() + 30_000) });
    }
    if (res.statusCode !== 303 || res.headers.location !== `${portal}/`) {
      throw new Error(`sign-in of ${user} at ${portal} failed: ${res.statusCode} ${String(res.headers.location ?? '')}`);
    }
  }

  /** User preferences > New > CREATE, then the one page that shows the token; returns it. */
  async createToken(portal: string, name: string, expiresOn = ''): Promise<string> {
    const res = await this.submit(`${portal}/preferences/tokens/new`, `${portal}/preferences/tokens`, { name, expiresOn });
    if (res.statusCode !== 303) throw new Error(`token creation failed: ${res.statusCode} ${res.body.slice(0, 300)}`);
    const page = await this.get(String(res.headers.location));
    const m = /id="api-token"[^>]*>([^<]+)</.exec(page.body);
    if (!m) throw new Error('the created page shows no token');
    return m[1]!;
  }
}

/** A 6-digit code that the server will refuse now (it matches none of the accepted time steps). */
export function wrongTotpCode(secret: string): string {
  for (let n = 0; ; n++) {
    const code = String(n).padStart(6, '0');
    if (matchTotpStep(secret, code) === null && matchTotpStep(secret, code, Date.now() + 30_000) === null) return code;
  }
}

/** The demo's three portal users, each signed in on its own client: alice and bob of acme, hank of globex. */
export async function signedInDemoUsers(
  app: FastifyInstance,
  password: string,
): Promise<{ alice: PortalClient; bob: PortalClient; hank: PortalClient }> {
  const [alice, bob, hank] = [new PortalClient(app), new PortalClient(app), new PortalClient(app)];
  await alice.signIn('/tenant/acme', 'alice', password);
  await bob.signIn('/tenant/acme', 'bob', password);
  await hank.signIn('/tenant/globex', 'hank', password);
  return { alice, bob, hank };
}
