/**
 * Administration > Users: one page of the users in reach, searched and paged in SQL (the list used to load
 * every user of every org and stop at nothing; a provider with thousands of users needs pages). Search matches
 * the user name or full name, case-insensitively, as a literal (LIKE's own wildcards are escaped).
 */
import { sql, type SqlBool } from 'kysely';
import type { Services } from '../context.js';
import { lockedUntil, shownLockUntil } from '../../domain/account-lock.js';
import { unexpiredAt } from '../../store/store.js';

export const USER_PAGE_SIZE = 25;

export interface UserRow {
  readonly id: string;
  readonly name: string;
  readonly fullName: string;
  readonly email: string;
  readonly orgId: string;
  readonly orgName: string;
  readonly roleName: string;
  readonly enabled: boolean;
  readonly twoFactor: boolean;
  /** Locked out by failed verification codes until this time (epoch ms), or null. */
  readonly lockedUntil: number | null;
  readonly liveTokens: number;
}

export type UserScope = { readonly kind: 'org'; readonly orgId: string } | { readonly kind: 'all' };

/** `text` for a LIKE pattern with `\` as the escape character. */
export function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, '\\$&');
}

export async function listUsersPage(
  services: Services,
  scope: UserScope,
  input: { search: string; page: number; pageSize?: number },
): Promise<{ total: number; items: UserRow[] }> {
  const { store } = services;
  const pageSize = input.pageSize ?? USER_PAGE_SIZE;
  let base = store.db.selectFrom('users').innerJoin('orgs', 'orgs.id', 'users.org_id').innerJoin('roles', 'roles.id', 'users.role_id');
  if (scope.kind === 'org') base = base.where('users.org_id', '=', scope.orgId);
  if (input.search !== '') {
    const pattern = `%${likeLiteral(input.search.toLowerCase())}%`;
    // `\` is the escape character on both backends (SQLite has no default one; PostgreSQL's is `\` already).
    base = base.where(
      sql<SqlBool>`(users.name_lower like ${pattern} escape '\\' or ${store.lower(sql.ref('users.full_name'))} like ${pattern} escape '\\')`,
    );
  }
  const total = Number((await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  const rows = await base
    .select([
      'users.id',
      'users.name',
      'users.full_name',
      'users.email',
      'users.org_id',
      'orgs.name as org_name',
      'roles.name as role_name',
      'users.is_enabled',
      'users.totp_enabled',
      'users.totp_locked_until',
      'users.password_locked_until',
    ])
    .orderBy('orgs.name_lower')
    .orderBy('users.name_lower')
    .orderBy('users.id')
    .limit(pageSize)
    .offset((input.page - 1) * pageSize)
    .execute();
  const counts = await liveTokenCounts(
    services,
    rows.map((r) => r.id),
  );
  const now = Date.now();
  return {
    total,
    items: rows.map((r) => ({
      id: r.id,
      name: r.name,
      fullName: r.full_name,
      email: r.email,
      orgId: r.org_id,
      orgName: r.org_name,
      roleName: r.role_name,
      enabled: r.is_enabled === 1,
      twoFactor: r.totp_enabled === 1,
      lockedUntil: shownLockUntil(lockedUntil(r, now), services.sessions.failedSignInPauseUntil(r.name, r.org_name, now)),
      liveTokens: counts.get(r.id) ?? 0,
    })),
  };
}

/** Each user's live API tokens (issued, neither revoked nor expired): the users list's and a user page's count. */
export async function liveTokenCounts(services: Services, userIds: readonly string[]): Promise<Map<string, number>> {
  if (userIds.length === 0) return new Map();
  const rows = await services.store.db
    .selectFrom('api_tokens')
    .select(['api_tokens.user_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('api_tokens.revoked_at', 'is', null)
    .where(unexpiredAt(Date.now()))
    .where('api_tokens.secret_hash', 'is not', null)
    .where('api_tokens.user_id', 'in', userIds)
    .groupBy('api_tokens.user_id')
    .execute();
  // PostgreSQL answers count(*) as a string (node-stack pitfall 8).
  return new Map(rows.map((r) => [r.user_id, Number(r.n)]));
}
