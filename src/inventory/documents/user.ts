/**
 * VCD's User document (application/vnd.vmware.admin.user+xml) as govcd's `types.User` decodes it and Terraform's
 * vcd_org_user reads it back: every field Terraform sets is rendered (empty strings included, so nothing drifts),
 * `Role` names the role, and `GroupReferences` is always present (read without a nil check). `IsLocked` is
 * true while a lockout is in force: the org's account lockout after wrong passwords, or the second-factor lockout
 * (domain/account-lock.ts); the `unlock` link is offered then. Tessera's users are local: `ProviderType` INTEGRATED, never external.
 * The password is never rendered.
 */
import type { Group, Role, TaskRow, User } from '../../store/store.js';
import { node, text, type DocElement } from '../document-tree.js';
import { VCLOUD_NS } from '../xml-render.js';
import { MEDIA, adminOrgHref, urn, userHref } from '../hrefs.js';
import { taskTree } from './task.js';
import { roleReference } from './role.js';
import { groupReference } from './group.js';
import { lockedUntil } from '../../domain/account-lock.js';

export interface UserContents {
  role: Role | undefined;
  groups: readonly Group[];
  tasks?: readonly TaskRow[];
  now?: number;
}

export function userTree(base: string, user: User, contents: UserContents): DocElement {
  const href = userHref(base, user.id);
  const tasks = contents.tasks ?? [];
  const locked = lockedUntil(user, contents.now ?? Date.now()) !== null;
  return node('User', { xmlns: VCLOUD_NS, href, id: urn('user', user.id), name: user.name, type: MEDIA.user }, [
    node('Link', { rel: 'edit', href, type: MEDIA.user }),
    node('Link', { rel: 'remove', href }),
    node('Link', { rel: 'up', href: adminOrgHref(base, user.org_id), type: MEDIA.adminOrg }),
    node('Link', { rel: 'takeOwnership', href: `${href}/action/takeOwnership` }),
    locked ? node('Link', { rel: 'unlock', href: `${href}/action/unlock` }) : null,
    text('Description', user.description),
    tasks.length > 0
      ? node(
          'Tasks',
          {},
          tasks.map((t) => taskTree(base, t, false)),
        )
      : null,
    text('FullName', user.full_name),
    text('EmailAddress', user.email),
    text('Telephone', user.telephone),
    text('IsEnabled', user.is_enabled === 1),
    text('IsLocked', locked),
    text('IM', user.im),
    text('NameInSource', user.name),
    text('IsExternal', false),
    text('ProviderType', 'INTEGRATED'),
    text('IsGroupRole', false),
    text('StoredVmQuota', user.stored_vm_quota),
    text('DeployedVmQuota', user.deployed_vm_quota),
    contents.role ? roleReference(base, contents.role) : null,
    node(
      'GroupReferences',
      {},
      contents.groups.map((g) => groupReference(base, g)),
    ),
  ]);
}
