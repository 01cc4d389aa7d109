/**
 * Orgs and users through VCD's admin XML API (`/api/admin/orgs`, `/api/admin/org/{id}`, `/api/admin/user/{id}`),
 * for scripts and the `tessera admin` commands; the same wire as against a real VCD. No XML library (the SDK has
 * no dependencies): the documents sent are written here with every value escaped, and the few attributes read
 * back are read from the server's own bytes. A change to a user is VCD's full PUT: the document as read, with the
 * change made in it, so that nothing else is reset.
 */
import { decodeXmlEntities, readXmlAttributes } from './error-body.js';
import type { VcdClient } from './vcd-client.js';

const VCLOUD_NS = 'http://www.vmware.com/vcloud/v1.5';
const ORG_TYPE = 'application/vnd.vmware.admin.organization+xml';
const USER_TYPE = 'application/vnd.vmware.admin.user+xml';
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/** How many user documents `listUsers` reads at once: enough to hide latency, few enough to load no server. */
export const USER_READS_AT_ONCE = 8;
export interface EntityRef {
  /** Bare UUID. */
  id: string;
  name: string;
  href: string;
}

export interface NewOrg {
  name: string;
  fullName?: string;
  description?: string;
  /** Default true. */
  enabled?: boolean;
}

export interface NewUser {
  name: string;
  password: string;
  /** A role of the org by name, e.g. "Organization Administrator". */
  roleName: string;
  fullName?: string;
  email?: string;
  /** Default true. */
  enabled?: boolean;
}

export interface UserSummary extends EntityRef {
  enabled: boolean;
  roleName: string | null;
  fullName: string;
}

export const escapeXml = (value: string): string =>
  value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

/** The start tags named `element` in a document, as attribute maps. */
export function elementAttributes(xml: string, element: string): Map<string, string>[] {
  const re = new RegExp(`<(?:[A-Za-z_][\\w.-]*:)?${element}\\b((?:[^>"']|"[^"]*"|'[^']*')*?)/?>`, 'g');
  return [...xml.matchAll(re)].map((m) => readXmlAttributes(m[1] ?? ''));
}

function childText(xml: string, element: string): string | null {
  const m = new RegExp(`<(?:[A-Za-z_][\\w.-]*:)?${element}(?:\\s[^>]*)?>([^<]*)</`).exec(xml);
  return m ? decodeXmlEntities(m[1]!) : null;
}

function refOf(attributes: Map<string, string>): EntityRef {
  const href = attributes.get('href') ?? '';
  return { id: UUID.exec(href)?.[0]?.toLowerCase() ?? '', name: attributes.get('name') ?? '', href };
}

export function orgDocument(org: NewOrg): string {
  return (
    `<AdminOrg xmlns="${VCLOUD_NS}" name="${escapeXml(org.name)}">` +
    `<Description>${escapeXml(org.description ?? '')}</Description>` +
    `<FullName>${escapeXml(org.fullName ?? org.name)}</FullName>` +
    `<IsEnabled>${org.enabled ?? true}</IsEnabled>` +
    '</AdminOrg>'
  );
}

export class AdminApi {
  readonly #client: VcdClient;

  constructor(client: VcdClient) {
    this.#client = client;
  }

  #path(href: string): string {
    const at = href.indexOf('/api/');
    return at === -1 ? href : href.slice(at);
  }

  async createOrg(org: NewOrg): Promise<EntityRef> {
    const response = await this.#client.request('/api/admin/orgs', {
      method: 'POST',
      body: orgDocument(org),
      contentType: ORG_TYPE,
    });
    return refOf(elementAttributes(response.body, 'AdminOrg')[0] ?? new Map());
  }

  /** The org's AdminOrg reference, by name (the provider's view lists every org). */
  async findOrg(name: string): Promise<EntityRef> {
    for await (const org of this.#client.listOrgs({ filter: `name==${name}` })) {
      if (org.name.toLowerCase() === name.toLowerCase()) {
        const id = UUID.exec(org.id)![0].toLowerCase();
        return { id, name: org.name, href: `${this.#client.endpoint}/api/admin/org/${id}` };
      }
    }
    throw new Error(`No organization named "${name}" is visible to you`);
  }

  async adminOrgXml(org: EntityRef): Promise<string> {
    return (await this.#client.request(`/api/admin/org/${org.id}`)).body;
  }

  async setOrgEnabled(org: EntityRef, enabled: boolean): Promise<void> {
    await this.#client.request(`/api/admin/org/${org.id}/action/${enabled ? 'enable' : 'disable'}`, { method: 'POST' });
  }

  /** VCD's delete: the org must be disabled; `recursive` also deletes its users and inventory. */
  async deleteOrg(org: EntityRef, options: { force: boolean; recursive: boolean }): Promise<void> {
    await this.#client.request(`/api/admin/org/${org.id}`, {
      method: 'DELETE',
      query: { force: options.force, recursive: options.recursive },
    });
  }

  /**
   * The org's users as its AdminOrg lists them, each read for its status and role, at most USER_READS_AT_ONCE at a
   * time. Until 2026-12-06 every user was asked for at once: 5,000 requests together for a large org, which timed
   * out, and on PostgreSQL held up the server's revocation feed until it refused requests.
   */
  async listUsers(org: EntityRef): Promise<UserSummary[]> {
    const refs = elementAttributes(await this.adminOrgXml(org), 'UserReference').map(refOf);
    const summaries: UserSummary[] = new Array(refs.length);
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < refs.length; i = next++) summaries[i] = this.#summary(refs[i]!, await this.userXml(refs[i]!));
    };
    await Promise.all(Array.from({ length: Math.min(USER_READS_AT_ONCE, refs.length) }, worker));
    return summaries;
  }

  async findUser(org: EntityRef, name: string): Promise<EntityRef> {
    const ref = elementAttributes(await this.adminOrgXml(org), 'UserReference')
      .map(refOf)
      .find((u) => u.name.toLowerCase() === name.toLowerCase());
    if (!ref) throw new Error(`No user named "${name}" in ${org.name}`);
    return ref;
  }

  async userXml(user: EntityRef): Promise<string> {
    return (await this.#client.request(this.#path(user.href))).body;
  }

  async createUser(org: EntityRef, user: NewUser): Promise<EntityRef> {
    const role = elementAttributes(await this.adminOrgXml(org), 'RoleReference').find((r) => r.get('name') === user.roleName);
    if (!role) throw new Error(`No role named "${user.roleName}" in ${org.name}`);
    const body =
      `<User xmlns="${VCLOUD_NS}" name="${escapeXml(user.name)}">` +
      `<FullName>${escapeXml(user.fullName ?? '')}</FullName>` +
      `<EmailAddress>${escapeXml(user.email ?? '')}</EmailAddress>` +
      `<IsEnabled>${user.enabled ?? true}</IsEnabled>` +
      `<Role href="${escapeXml(role.get('href') ?? '')}"/>` +
      `<Password>${escapeXml(user.password)}</Password>` +
      '</User>';
    const response = await this.#client.request(`/api/admin/org/${org.id}/users`, { method: 'POST', body, contentType: USER_TYPE });
    return refOf(elementAttributes(response.body, 'User')[0] ?? new Map());
  }

  async setUserEnabled(user: EntityRef, enabled: boolean): Promise<void> {
    const xml = (await this.userXml(user)).replace(/<IsEnabled>[^<]*<\/IsEnabled>/, `<IsEnabled>${enabled}</IsEnabled>`);
    await this.#putUser(user, xml);
  }

  /**
   * A password set by an administrator: the user's sessions end. Their API tokens keep working unless
   * `revokeApiTokens` (a compromised account): then the cloudapi's `PUT /users/{id}?revokeApiTokens=true`, which sets
   * the password and revokes every live token of the user in one transaction (VCD's XML API has no such option).
   */
  async setUserPassword(user: EntityRef, password: string, options: { revokeApiTokens?: boolean } = {}): Promise<void> {
    if (options.revokeApiTokens) {
      await this.#client.request(`/cloudapi/1.0.0/users/${encodeURIComponent(`urn:vcloud:user:${user.id}`)}`, {
        method: 'PUT',
        query: { revokeApiTokens: true },
        body: JSON.stringify({ password }),
        contentType: 'application/json',
      });
      return;
    }
    const xml = (await this.userXml(user)).replace(
      /<\/(?:[A-Za-z_][\w.-]*:)?User>\s*$/,
      `<Password>${escapeXml(password)}</Password></User>`,
    );
    await this.#putUser(user, xml);
  }

  async deleteUser(user: EntityRef): Promise<void> {
    await this.#client.request(this.#path(user.href), { method: 'DELETE' });
  }

  async #putUser(user: EntityRef, xml: string): Promise<void> {
    await this.#client.request(this.#path(user.href), { method: 'PUT', body: xml, contentType: USER_TYPE });
  }

  #summary(ref: EntityRef, xml: string): UserSummary {
    return {
      ...ref,
      enabled: childText(xml, 'IsEnabled') === 'true',
      roleName: elementAttributes(xml, 'Role')[0]?.get('name') ?? null,
      fullName: childText(xml, 'FullName') ?? '',
    };
  }
}
