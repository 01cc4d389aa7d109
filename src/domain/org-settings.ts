/**
 * An org's settings as VCD's AdminOrg document carries them (OrgGeneralSettings, VAppLeaseSettings,
 * VAppTemplateLeaseSettings, OrgLdapSettings, OrgPasswordPolicySettings), minus the quotas, which have columns.
 * Terraform's vcd_org writes them and reads them back on every plan: what is stored must read back exactly as
 * written, or every plan shows drift. Stored as JSON (`orgs.settings`); anything missing or damaged reads as the
 * default, so old rows and a bad edit still render a complete document (clients dereference every part).
 */

export interface OrgGeneralSettings {
  canPublishCatalogs: boolean;
  canPublishExternally: boolean;
  canSubscribe: boolean;
  useServerBootSequence: boolean;
  delayAfterPowerOnSeconds: number;
}

export interface VAppLeaseSettings {
  deleteOnStorageLeaseExpiration: boolean;
  /** 0: never expires. */
  deploymentLeaseSeconds: number;
  storageLeaseSeconds: number;
  powerOffOnRuntimeLeaseExpiration: boolean;
}

export interface VAppTemplateLeaseSettings {
  deleteOnStorageLeaseExpiration: boolean;
  storageLeaseSeconds: number;
}

export interface PasswordPolicySettings {
  accountLockoutEnabled: boolean;
  invalidLoginsBeforeLockout: number;
  accountLockoutIntervalMinutes: number;
}

export interface OrgSettings {
  general: OrgGeneralSettings;
  vappLease: VAppLeaseSettings;
  vappTemplateLease: VAppTemplateLeaseSettings;
  /** Only NONE: Tessera has no LDAP; the element is served because clients read it without a nil check. */
  ldapMode: 'NONE';
  passwordPolicy: PasswordPolicySettings;
}

/** The largest value an xs:int setting may take. */
export const MAX_SETTING_INT = 2_147_483_647;

/** A new org's settings: leases never expire (0), as the demo orgs have always answered; VCD's lockout defaults. */
export const DEFAULT_ORG_SETTINGS: OrgSettings = Object.freeze({
  general: {
    canPublishCatalogs: false,
    canPublishExternally: false,
    canSubscribe: false,
    useServerBootSequence: false,
    delayAfterPowerOnSeconds: 0,
  },
  vappLease: {
    deleteOnStorageLeaseExpiration: false,
    deploymentLeaseSeconds: 0,
    storageLeaseSeconds: 0,
    powerOffOnRuntimeLeaseExpiration: false,
  },
  vappTemplateLease: { deleteOnStorageLeaseExpiration: false, storageLeaseSeconds: 0 },
  ldapMode: 'NONE',
  passwordPolicy: { accountLockoutEnabled: false, invalidLoginsBeforeLockout: 5, accountLockoutIntervalMinutes: 10 },
}) as OrgSettings;

type Section<T> = { [K in keyof T]: T[K] };

/** Each field of `defaults` from `value` when it has the same type (and, for numbers, is a valid setting). */
function section<T extends object>(defaults: T, value: unknown): Section<T> {
  const out = { ...defaults } as Record<string, unknown>;
  if (value === null || typeof value !== 'object') return out as Section<T>;
  for (const [key, fallback] of Object.entries(defaults)) {
    const v = (value as Record<string, unknown>)[key];
    if (typeof fallback === 'boolean' && typeof v === 'boolean') out[key] = v;
    if (typeof fallback === 'number' && Number.isInteger(v) && (v as number) >= 0 && (v as number) <= MAX_SETTING_INT) out[key] = v;
  }
  return out as Section<T>;
}

/** The stored JSON as complete settings: defaults for whatever is missing or damaged. */
export function parseOrgSettings(json: string | null | undefined): OrgSettings {
  let value: unknown = {};
  try {
    value = JSON.parse(json ?? '{}');
  } catch {
    value = {};
  }
  const v = (value ?? {}) as Record<string, unknown>;
  return {
    general: section(DEFAULT_ORG_SETTINGS.general, v.general),
    vappLease: section(DEFAULT_ORG_SETTINGS.vappLease, v.vappLease),
    vappTemplateLease: section(DEFAULT_ORG_SETTINGS.vappTemplateLease, v.vappTemplateLease),
    ldapMode: 'NONE',
    passwordPolicy: section(DEFAULT_ORG_SETTINGS.passwordPolicy, v.passwordPolicy),
  };
}

export function serializeOrgSettings(settings: OrgSettings): string {
  return JSON.stringify(settings);
}
