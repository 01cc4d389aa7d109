/**
 * Wires the services of one Tessera node around a Store. Used by the server, the CLI and the tests.
 */
import type { Config } from './config.js';
import type { Executor, Store } from './store/store.js';
import { AccessTokenService } from './auth/access-tokens.js';
import { RevocationView } from './auth/revocation-view.js';
import { IdentityCache } from './auth/identity-cache.js';
import { Authenticator } from './auth/authenticator.js';
import { AuditLog } from './auth/audit.js';
import { SessionService } from './auth/sessions.js';
import { TokenUsageRecorder } from './auth/token-usage.js';
import { ApiTokenService } from './auth/api-tokens.js';
import { UserService } from './auth/users.js';
import { IdentityAdmin } from './auth/identity-admin.js';
import { ServiceAccountService } from './auth/service-accounts.js';
import { Housekeeping } from './auth/housekeeping.js';
import { IdleTokenSweep } from './auth/idle-tokens.js';
import { ClockSkewWatch } from './store/clock-skew.js';
import { OrgAdmin } from './auth/org-admin.js';
import { OrgMetadataAdmin } from './auth/org-metadata.js';
import { TaskService } from './auth/tasks.js';
import { RecoveryCodeService } from './auth/recovery-codes.js';
import { TotpEnrolmentService } from './auth/totp-enrolment.js';
import { ApiTokenPolicyService } from './auth/api-token-policy.js';
import type { Services } from './http/context.js';
import { AddressRateLimiter, RateLimiter } from './auth/rate-limiter.js';
import { randomUUID } from 'node:crypto';
import { GithubScanningKeys } from './github-scanning-keys.js';

export interface Logger {
  info(o: object, m: string): void;
  warn(o: object, m: string): void;
  error(o: object, m: string): void;
}

export interface RunningServices extends Services {
  usage: TokenUsageRecorder;
  housekeeping: Housekeeping;
  clockSkew: ClockSkewWatch;
  stop(): Promise<void>;
}

const REGISTRATIONS_PER_MINUTE = 30;
/**
 * Organization chooser look-ups per client address block per minute. Typing an org's name or display name leads
 * to its portal, so the chooser tells whether a name is an org's (issue 14 asks it to take the display name); the
 * budget keeps it from being a bulk oracle of org names. A person types a handful; a test suite from one address,
 * tens.
 */
const ORG_LOOKUPS_PER_MINUTE = 60;
const USER_CODES_PER_MINUTE = 30;

/** Meta key: the access-token lifetime of the last `tessera serve` started on this store (server.ts writes it). */
export const NODE_TTL_META_KEY = 'access_token_ttl_seconds';

/** The lifetime the last node started on this store used, or null (none recorded yet). */
export async function lastNodeAccessTokenTtl(store: Store): Promise<number | null> {
  const recorded = Number(await store.getMeta(NODE_TTL_META_KEY));
  return Number.isInteger(recorded) && recorded > 0 ? recorded : null;
}

/**
 * Meta key: the longest access-token lifetime any `tessera serve` has started with on this store (server.ts raises
 * it at each start; never lowered). Every revocation is kept at least that long (recordedRevocationRelevantUntil).
 */
export const LONGEST_NODE_TTL_META_KEY = 'longest_access_token_ttl_seconds';

/** The longest lifetime any node started on this store has used, or null (none recorded yet). */
export async function longestNodeAccessTokenTtl(store: Store, ex: Executor = store.db): Promise<number | null> {
  const recorded = Number(await store.getMeta(LONGEST_NODE_TTL_META_KEY, ex));
  return Number.isInteger(recorded) && recorded > 0 ? recorded : null;
}

export async function createServices(config: Config, store: Store, log: Logger): Promise<RunningServices> {
  const accessTokens = new AccessTokenService(
    await store.currentSigningKey(),
    config.accessTokenTtlSeconds,
    await lastNodeAccessTokenTtl(store),
    (ex) => longestNodeAccessTokenTtl(store, ex),
  );
  const revocations = new RevocationView(store, {
    readyWaitMs: Math.floor(config.revocationFeedMaxLagMs / 2),
    relevantUntil: (at) => accessTokens.revocationRelevantUntil(at),
  });
  await revocations.start();
  const identities = new IdentityCache(store);
  // A user-level revocation (disable, password change) must not wait for the identity cache's TTL.
  store.bus.subscribe((e) => {
    if (e.kind === 'user') identities.invalidate(e.subject);
  });
  // After a reconnect of the feed the notifications sent meanwhile are lost, and with them the invalidations they
  // carried (an org disabled, a user disabled on another node): every identity read before is dropped. Until
  // 2026-12-05 a node kept accepting a disabled org's tokens for up to the cache's 5 s after a reconnect.
  store.bus.onResync(async () => identities.invalidate());
  const authenticator = new Authenticator({ store, accessTokens, revocations, identities });
  const audit = new AuditLog(store, log);
  audit.start();
  const recoveryCodes = new RecoveryCodeService({ store });
  await recoveryCodes.prepare();
  const sessions = new SessionService({ store, config, accessTokens, authenticator, identities, audit, recoveryCodes });
  const usage = new TokenUsageRecorder(store, log);
  usage.start();
  const apiTokenPolicy = new ApiTokenPolicyService({
    store,
    audit,
    ceiling: config.maxTokenLifetimeDays,
    idleCeiling: config.maxTokenIdleDays,
  });
  const apiTokens = new ApiTokenService({
    store,
    accessTokens,
    authenticator,
    revocations,
    identities,
    audit,
    usage,
    tokenPolicy: apiTokenPolicy,
  });
  const idleTokens = new IdleTokenSweep({ store, policy: apiTokenPolicy, apiTokens });
  apiTokenPolicy.onIdleLimitLowered((orgId) => idleTokens.sweepOrg(orgId));
  const housekeeping = new Housekeeping(store, log, {
    revokedTokenRetentionMs: config.revokedTokenRetentionDays * 86_400_000,
    idleTokens,
  });
  housekeeping.start();
  const clockSkew = new ClockSkewWatch(store, log);
  await clockSkew.start();
  const users = new UserService({ store, sessions, apiTokens, identities, audit });
  const identityAdmin = new IdentityAdmin({ store, users, identities, audit });
  const orgAdmin = new OrgAdmin({
    store,
    identities,
    audit,
    revocationRelevantUntil: (now, trx) => accessTokens.recordedRevocationRelevantUntil(now, trx),
  });
  const orgMetadata = new OrgMetadataAdmin({ store, audit });
  const tasks = new TaskService(store);
  const totpEnrolment = new TotpEnrolmentService({ store, audit, recoveryCodes, passwords: sessions });
  const serviceAccounts = new ServiceAccountService({
    store,
    accessTokens,
    revocations,
    identities,
    identityAdmin,
    audit,
    graceSeconds: config.serviceAccountRefreshGraceSeconds,
    tokenPolicy: apiTokenPolicy,
  });
  return {
    site: await ensureSite(store),
    limits: {
      signIn: new AddressRateLimiter(config.signInRateLimit),
      tokenPerIp: new AddressRateLimiter(config.tokenRateLimitPerIp),
      // RFC 7009 revocation counts apart from the exchange, with the same budget: revoking is how a leaked or
      // runaway token is stopped, and a host whose script floods the exchange must still be able to revoke it.
      revokePerIp: new AddressRateLimiter(config.tokenRateLimitPerIp),
      tokenPerToken: new RateLimiter<number>(config.tokenRateLimitPerToken),
      // Registrations per user per minute: each writes a row; a script looping on /register is a bug or worse.
      register: new RateLimiter(REGISTRATIONS_PER_MINUTE),
      // User codes looked up or decided per user per minute (RFC 8628 §5.1: guessing codes must be rate limited).
      userCodes: new RateLimiter(USER_CODES_PER_MINUTE),
      orgChooser: new AddressRateLimiter(ORG_LOOKUPS_PER_MINUTE),
    },
    config,
    store,
    accessTokens,
    authenticator,
    revocations,
    identities,
    sessions,
    apiTokens,
    serviceAccounts,
    users,
    identityAdmin,
    orgAdmin,
    orgMetadata,
    tasks,
    totpEnrolment,
    apiTokenPolicy,
    recoveryCodes,
    audit,
    githubScanningKeys: config.githubSecretScanningKeys !== null ? new GithubScanningKeys(config.githubSecretScanningKeys) : null,
    usage,
    housekeeping,
    clockSkew,
    async stop() {
      housekeeping.stop();
      clockSkew.stop();
      revocations.stop();
      await usage.stop();
      await audit.stop();
    },
  };
}

/** The site id is created once per installation and shared by every node. */
async function ensureSite(store: Store): Promise<{ id: string; name: string }> {
  await store.db
    .insertInto('meta')
    .values({ key: 'site_id', value: randomUUID() })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  return { id: (await store.getMeta('site_id'))!, name: 'tessera' };
}
