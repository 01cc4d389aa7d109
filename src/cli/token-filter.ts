/**
 * `tessera token list|revoke --owner/--state/--unused-days`: shorthands that compile to the cloudapi's FIQL on
 * `GET /cloudapi/1.0.0/tokens` (owner.name, expirationTimeUtc, lastUsedTimeUtc, createdTimeUtc; `==null` on the
 * nullable dates), so that they work against any server with that FIQL, a real VCD included where the fields exist.
 *
 * They mean what the portal's filters on Administration's token lists mean (src/http/portal/token-queries.ts
 * matchingTokens), measured from this machine's clock:
 * - active: no expiry, or one more than 7 days ahead;
 * - expiring: an expiry within the next 7 days;
 * - expired: an expiry that has passed;
 * - never-used: live (no expiry, or one ahead) and never exchanged;
 * - unused for N days: live, and last exchanged more than N days ago, or never and made more than N days ago.
 * The cloudapi lists no revoked token, so there is no `revoked` state here. Given together, they all apply (AND),
 * and with `--filter` too.
 */
import { InvalidArgumentError } from 'commander';

export const CLI_TOKEN_STATES = ['active', 'expiring', 'expired', 'never-used'] as const;
export type CliTokenState = (typeof CLI_TOKEN_STATES)[number];

/** The portal's bounds on "unused for N days" (token-queries.ts MAX_UNUSED_DAYS). */
export const MAX_UNUSED_DAYS = 3650;
/** The portal's "expiring soon" (token-queries.ts EXPIRING_SOON_MS). */
const EXPIRING_SOON_MS = 7 * 86_400_000;
const DAY_MS = 86_400_000;

export interface TokenShorthands {
  filter?: string | undefined;
  owner?: string | undefined;
  state?: CliTokenState | undefined;
  unusedDays?: number | undefined;
}

/** `--unused-days`: a whole number of days from 1 to 3650, as the portal's field takes. */
export function unusedDaysArgument(value: string): number {
  if (!/^[0-9]+$/.test(value.trim()) || Number(value) < 1 || Number(value) > MAX_UNUSED_DAYS) {
    throw new InvalidArgumentError(`a whole number of days from 1 to ${MAX_UNUSED_DAYS}, got "${value.slice(0, 40)}"`);
  }
  return Number(value);
}

/** A FIQL argument as a literal: `\` before each character FIQL reads as syntax or a wildcard. */
export function fiqlLiteral(value: string): string {
  return value.replace(/[\\(),;*]/g, '\\$&');
}

const at = (ms: number) => new Date(ms).toISOString();

/** Not expired: no expiry, or one after `now` (the cloudapi lists no revoked token). */
export function liveFiql(now: number): string {
  return `(expirationTimeUtc==null,expirationTimeUtc=gt=${at(now)})`;
}

/** The shorthands' FIQL alone (null when none is given). */
export function shorthandFiql(shorthands: TokenShorthands, now: number): string | null {
  const parts: string[] = [];
  const owner = shorthands.owner?.trim();
  if (owner) parts.push(`owner.name==${fiqlLiteral(owner)}`);
  const soon = at(now + EXPIRING_SOON_MS);
  switch (shorthands.state) {
    case 'active':
      parts.push(`(expirationTimeUtc==null,expirationTimeUtc=gt=${soon})`);
      break;
    case 'expiring':
      parts.push(`expirationTimeUtc=gt=${at(now)};expirationTimeUtc=le=${soon}`);
      break;
    case 'expired':
      parts.push(`expirationTimeUtc=le=${at(now)}`);
      break;
    case 'never-used':
      parts.push(`lastUsedTimeUtc==null;${liveFiql(now)}`);
      break;
    case undefined:
      break;
  }
  if (shorthands.unusedDays !== undefined) {
    const cutoff = at(now - shorthands.unusedDays * DAY_MS);
    parts.push(liveFiql(now), `(lastUsedTimeUtc=lt=${cutoff},(lastUsedTimeUtc==null;createdTimeUtc=lt=${cutoff}))`);
  }
  return parts.length === 0 ? null : parts.join(';');
}

/** Whether any of --filter, --owner, --state, --unused-days was given. */
export function hasSelection(shorthands: TokenShorthands): boolean {
  return (
    (shorthands.filter !== undefined && shorthands.filter !== '') ||
    shorthands.owner !== undefined ||
    shorthands.state !== undefined ||
    shorthands.unusedDays !== undefined
  );
}

/** `--filter` and the shorthands as one FIQL filter (AND), or undefined for none. */
export function combinedFiql(shorthands: TokenShorthands, now: number, extra: string[] = []): string | undefined {
  const parts: string[] = [];
  if (shorthands.filter !== undefined && shorthands.filter.trim() !== '') parts.push(`(${shorthands.filter})`);
  const own = shorthandFiql(shorthands, now);
  if (own !== null) parts.push(own);
  parts.push(...extra);
  return parts.length === 0 ? undefined : parts.join(';');
}
