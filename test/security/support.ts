/**
 * Helpers shared by the server-level suites of issues 2 and 3 (sign-in, TOTP, API tokens): a raw HTTP client
 * that sends exactly the headers given (fetch always adds Accept and a Content-Type for string bodies, which
 * hides the "no Accept" / "no Content-Type" cases real clients produce), user creation through the API, and a
 * TOTP clock guard.
 */
import { request as httpRequest } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Reply } from '../helpers/api.js';
import { basic, bearer, http } from '../helpers/api.js';
import type { Store } from '../../src/store/store.js';

export interface RawOptions {
  method?: string;
  /** Sent exactly as given (plus Host and Content-Length); a header absent here is absent on the wire. */
  headers?: Record<string, string | string[]>;
  body?: string;
}

export function raw(url: string, options: RawOptions = {}): Promise<Reply> {
  const u = new URL(url);
  const body = options.body === undefined ? undefined : Buffer.from(options.body, 'utf8');
  const headers: Record<string, string | string[]> = { ...options.headers };
  if (body) headers['Content-Length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: u.hostname, port: u.port, path: u.pathname + u.search, method: options.method ?? 'GET', headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers)) {
            if (v === undefined) continue;
            for (const one of Array.isArray(v) ? v : [v]) h.append(k, one);
          }
          resolve({ status: res.statusCode ?? 0, headers: h, text, json: () => JSON.parse(text) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export const JSON_37 = 'application/json;version=37.0';
export const XML_37 = 'application/*+xml;version=37.0';

/** Looks up a user id by name in the caller's tenant (needs "Group / User: View"). */
export async function userIdByName(baseUrl: string, sessionToken: string, name: string): Promise<string> {
  const res = await http(`${baseUrl}/cloudapi/1.0.0/users?pageSize=128`, { headers: bearer(sessionToken) });
  if (res.status !== 200) throw new Error(`listing users failed: ${res.status} ${res.text}`);
  const user = (res.json().values as Array<{ username: string; id: string }>).find((u) => u.username === name);
  if (!user) throw new Error(`no user ${name}`);
  return user.id;
}

/** Creates a user in the caller's org with the named predefined role, through POST /cloudapi/1.0.0/users. */
export async function createUser(
  baseUrl: string,
  adminSession: string,
  options: { role?: string; password?: string; name?: string; tenantContext?: string } = {},
): Promise<{ id: string; name: string; password: string }> {
  const name = options.name ?? `u${randomUUID().slice(0, 8)}`;
  const password = options.password ?? `pw-${randomUUID()}`;
  const headers: Record<string, string> = { ...bearer(adminSession), 'Content-Type': 'application/json' };
  if (options.tenantContext) headers['X-VMWARE-VCLOUD-TENANT-CONTEXT'] = options.tenantContext;
  const roles = await http(`${baseUrl}/cloudapi/1.0.0/roles?pageSize=128`, { headers });
  const role = (roles.json().values as Array<{ name: string; id: string }>).find((r) => r.name === (options.role ?? 'vApp Author'));
  if (!role) throw new Error(`no role ${options.role}`);
  const res = await http(`${baseUrl}/cloudapi/1.0.0/users`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ username: name, password, roleEntityRefs: [{ id: role.id }] }),
  });
  if (res.status !== 201) throw new Error(`user creation failed: ${res.status} ${res.text}`);
  return { id: res.json().id as string, name, password };
}

/** POST /cloudapi/1.0.0/sessions(/provider) and the whole reply (for tests of the failures). */
export function signInReply(baseUrl: string, user: string, org: string, password: string, extra: Record<string, string> = {}) {
  const provider = org.toLowerCase() === 'system';
  return http(`${baseUrl}/cloudapi/1.0.0/sessions${provider ? '/provider' : ''}`, {
    method: 'POST',
    headers: { Authorization: basic(user, org, password), Accept: JSON_37, ...extra },
  });
}

/**
 * TOTP codes are per 30-second step and a used step cannot be used again, so a test that needs several fresh
 * codes computes them relative to one step. This waits (at most ~`minRemainingMs`) until the current step has at
 * least that much time left, and returns the step's start time.
 */
export async function freshTotpWindow(minRemainingMs = 6_000): Promise<number> {
  const remaining = 30_000 - (Date.now() % 30_000);
  if (remaining < minRemainingMs) await new Promise((r) => setTimeout(r, remaining + 50));
  return Date.now() - (Date.now() % 30_000);
}

/**
 * The rate limiters count in fixed one-minute windows aligned on the clock; a test that counts hits waits (at most
 * `minRemainingMs`) so that its hits all fall in one window.
 */
export async function freshRateWindow(minRemainingMs = 8_000): Promise<void> {
  const remaining = 60_000 - (Date.now() % 60_000);
  if (remaining < minRemainingMs) await new Promise((r) => setTimeout(r, remaining + 50));
}

/** Waits (bounded) until `check` holds; for effects that are deliberately written after the response. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The same error body with the request id (which differs per request) taken out. */
export function withoutRequestId(text: string): string {
  return text.replace(/\[ [^\]]+ \] /g, '[ id ] ');
}

/** The details of every `apiToken.refused` audit event written for one token (by its client id), as objects. */
export async function refusalEventsOf(store: Store, clientId: string): Promise<Record<string, unknown>[]> {
  const rows = await store.db
    .selectFrom('audit_events')
    .select('details')
    .where('event_type', '=', 'apiToken.refused')
    .where('token_id', '=', clientId)
    .execute();
  return rows.map((r) => JSON.parse(r.details) as Record<string, unknown>);
}
