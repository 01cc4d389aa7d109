/**
 * Test support for the admin API suites (admin-orgs, admin-users): the AdminOrg and User documents as govcd
 * marshals them (false booleans and zero numbers left out of OrgGeneralSettings, `Tasks` always present on a
 * User), and a request helper that sends XML.
 */
import { http, type Reply } from '../../helpers/api.js';
import type { TesseraHandle } from '../../helpers/tessera.js';
import { XML_ACCEPT, child, childrenNamed, type XmlElement } from './support.js';

export const ORG_TYPE = 'application/vnd.vmware.admin.organization+xml';
export const USER_TYPE = 'application/vnd.vmware.admin.user+xml';

export function send(server: TesseraHandle, method: string, path: string, token: string | null, body?: string, contentType = ORG_TYPE) {
  return http(path.startsWith('http') ? path : `${server.baseUrl}${path}`, {
    method,
    headers: {
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      Accept: XML_ACCEPT,
      ...(body !== undefined ? { 'Content-Type': contentType } : {}),
    },
    ...(body !== undefined ? { body } : {}),
  });
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');

export interface OrgDoc {
  name: string;
  fullName?: string;
  description?: string;
  enabled?: boolean;
  /** Raw `<Settings>` inner XML; omitted: no Settings element. */
  settings?: string;
}

/** An AdminOrg as govcd's CreateOrg / AdminOrg.Update marshal it (IsEnabled left out when false). */
export function orgXml(doc: OrgDoc): string {
  return (
    `<AdminOrg xmlns="http://www.vmware.com/vcloud/v1.5" name="${esc(doc.name)}">` +
    (doc.description !== undefined ? `<Description>${esc(doc.description)}</Description>` : '') +
    `<FullName>${esc(doc.fullName ?? doc.name)}</FullName>` +
    (doc.enabled === false ? '' : '<IsEnabled>true</IsEnabled>') +
    (doc.settings !== undefined ? `<Settings>${doc.settings}</Settings>` : '') +
    '</AdminOrg>'
  );
}

/** Settings as Terraform's vcd_org writes them. */
export const TERRAFORM_SETTINGS =
  '<OrgGeneralSettings><CanPublishCatalogs>true</CanPublishCatalogs><DeployedVMQuota>50</DeployedVMQuota>' +
  '<StoredVmQuota>75</StoredVmQuota><UseServerBootSequence>true</UseServerBootSequence>' +
  '<DelayAfterPowerOnSeconds>7</DelayAfterPowerOnSeconds></OrgGeneralSettings>' +
  '<VAppLeaseSettings><DeleteOnStorageLeaseExpiration>true</DeleteOnStorageLeaseExpiration>' +
  '<DeploymentLeaseSeconds>3600</DeploymentLeaseSeconds><StorageLeaseSeconds>7200</StorageLeaseSeconds>' +
  '<PowerOffOnRuntimeLeaseExpiration>true</PowerOffOnRuntimeLeaseExpiration></VAppLeaseSettings>' +
  '<VAppTemplateLeaseSettings><DeleteOnStorageLeaseExpiration>false</DeleteOnStorageLeaseExpiration>' +
  '<StorageLeaseSeconds>86400</StorageLeaseSeconds></VAppTemplateLeaseSettings>' +
  '<OrgLdapSettings><OrgLdapMode>NONE</OrgLdapMode></OrgLdapSettings>' +
  '<OrgPasswordPolicySettings><AccountLockoutEnabled>true</AccountLockoutEnabled>' +
  '<InvalidLoginsBeforeLockout>7</InvalidLoginsBeforeLockout><AccountLockoutIntervalMinutes>15</AccountLockoutIntervalMinutes>' +
  '</OrgPasswordPolicySettings>';

export interface UserDoc {
  name: string;
  password?: string;
  roleHref?: string;
  enabled?: boolean;
  fullName?: string;
  email?: string;
  telephone?: string;
  im?: string;
  description?: string;
  deployedVmQuota?: number;
  storedVmQuota?: number;
  extra?: string;
}

/** A User as govcd's CreateUserSimple / OrgUser.Update marshal it. */
export function userXml(doc: UserDoc): string {
  const opt = (name: string, v: string | undefined) => (v ? `<${name}>${esc(v)}</${name}>` : '');
  return (
    `<User xmlns="http://www.vmware.com/vcloud/v1.5" href="" type="${USER_TYPE}" id="" operationKey="" name="${esc(doc.name)}">` +
    opt('Description', doc.description) +
    opt('FullName', doc.fullName) +
    opt('EmailAddress', doc.email) +
    opt('Telephone', doc.telephone) +
    (doc.enabled ? '<IsEnabled>true</IsEnabled>' : '') +
    opt('IM', doc.im) +
    '<ProviderType>INTEGRATED</ProviderType>' +
    `<StoredVmQuota>${doc.storedVmQuota ?? 0}</StoredVmQuota><DeployedVmQuota>${doc.deployedVmQuota ?? 0}</DeployedVmQuota>` +
    (doc.roleHref ? `<Role href="${esc(doc.roleHref)}"></Role>` : '') +
    opt('Password', doc.password) +
    (doc.extra ?? '') +
    '<Tasks></Tasks></User>'
  );
}

/** The href of a role named in an AdminOrg's RoleReferences. */
export function roleHrefIn(adminOrg: XmlElement, name: string): string {
  const ref = childrenNamed(child(adminOrg, 'RoleReferences'), 'RoleReference').find((r) => r.attrs.name === name);
  if (!ref) throw new Error(`no RoleReference named ${name}`);
  return ref.attrs.href!;
}

/** The single task in an entity's `Tasks`. */
export function taskIn(entity: XmlElement): XmlElement {
  return child(child(entity, 'Tasks'), 'Task');
}

export type { Reply };
