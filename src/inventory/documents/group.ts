/**
 * VCD's Group document (application/vnd.vmware.admin.group+xml), at the href that the AdminOrg's `Groups`, the User
 * document's `GroupReferences` and the group query's records name: govcd's `AdminOrg.GetGroupByName/ById` follows
 * it, and Terraform's `data "vcd_org_group"` reads it. Read only here: groups are written through
 * /cloudapi/1.0.0/groups, and there is no directory to import them from.
 *
 * Element order is VCD's GroupType: Link, Description (EntityType), NameInSource, UsersList, ProviderType, Role.
 * - `UsersList` is always present, empty or not: Terraform ranges over it without a nil check.
 * - `ProviderType` is INTEGRATED, as the User document and the group query records say of Tessera's local
 *   identities (the cloudapi's entity says LOCAL).
 * - `Role` is there when the group has one. Decision: a group without a role has no `Role`, rather than a made-up
 *   one, because the cloudapi's entity and the query records say it has none (the XSD makes the element
 *   optional). Terraform's vcd provider up to 3.14 reads `Role.Name` without a check and would stop on such a group;
 *   docs/conformance.md says so, and that a group meant for Terraform should be given a role.
 */
import type { Group, Role } from '../../store/store.js';
import { node, text, type DocElement } from '../document-tree.js';
import { VCLOUD_NS } from '../xml-render.js';
import { MEDIA, adminOrgHref, groupHref, urn, userHref } from '../hrefs.js';
import { roleReference } from './role.js';

export interface GroupContents {
  role: Role | undefined;
  members: ReadonlyArray<{ id: string; name: string }>;
}

export function groupTree(base: string, group: Group, contents: GroupContents): DocElement {
  const href = groupHref(base, group.id);
  return node('Group', { xmlns: VCLOUD_NS, href, id: urn('group', group.id), name: group.name, type: MEDIA.group }, [
    node('Link', { rel: 'up', href: adminOrgHref(base, group.org_id), type: MEDIA.adminOrg }),
    text('Description', group.description),
    text('NameInSource', group.name),
    node(
      'UsersList',
      {},
      contents.members.map((u) => node('UserReference', { href: userHref(base, u.id), name: u.name, type: MEDIA.user })),
    ),
    text('ProviderType', 'INTEGRATED'),
    contents.role ? roleReference(base, contents.role) : null,
  ]);
}

/** A group as the AdminOrg's `Groups` and the User's `GroupReferences` list it. */
export function groupReference(base: string, group: Pick<Group, 'id' | 'name'>): DocElement {
  return node('GroupReference', { href: groupHref(base, group.id), name: group.name, type: MEDIA.group });
}
