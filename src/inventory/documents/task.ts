/**
 * VCD's Task (application/vnd.vmware.vcloud.task+xml), as govcd's `types.Task` decodes it and
 * `Task.WaitTaskCompletion` polls it: `status` (queued, running, success, error), `Progress`, the `Owner` the task
 * is about, the `User` who started it and that user's `Organization`, and an `Error` when it failed (govcd prints
 * its codes and message). Times are ISO 8601 in UTC; `expiryTime` is when the row will be pruned.
 */
import type { TaskRow } from '../../store/store.js';
import { node, text, type DocElement } from '../document-tree.js';
import { VCLOUD_NS } from '../xml-render.js';
import {
  MEDIA,
  adminCatalogHref,
  adminOrgHref,
  adminVdcHref,
  orgHref,
  serviceAccountHref,
  tasksListHref,
  taskHref,
  urn,
  userHref,
  vappHref,
} from '../hrefs.js';

/**
 * Where a task's owner lives, by `owner_kind` (TaskOwner in auth/tasks.ts): a user, a catalog (its AdminCatalog), a
 * vApp, a VDC (its AdminVdc, where the AdminOrg points) or an org (its AdminOrg). Shared by the Task document and the `task` query type's `object` attribute.
 */
export function taskOwnerReference(base: string, kind: string, id: string): { href: string; type: string; id: string } {
  switch (kind) {
    case 'user':
      return { href: userHref(base, id), type: MEDIA.user, id: urn('user', id) };
    case 'catalog':
      return { href: adminCatalogHref(base, id), type: MEDIA.adminCatalog, id: urn('catalog', id) };
    case 'vapp':
      return { href: vappHref(base, id, false), type: MEDIA.vApp, id: urn('vapp', id) };
    case 'vdc':
      return { href: adminVdcHref(base, id), type: MEDIA.adminVdc, id: urn('vdc', id) };
    default:
      return { href: adminOrgHref(base, id), type: MEDIA.adminOrg, id: urn('org', id) };
  }
}

/**
 * Who started the task, as its `User` reference. A service account is no user: `/api/admin/user/{its id}` answers
 * 404 (until 2026-12-07 the reference pointed there). VCD 10.4's documents say nothing of a service account's tasks
 * beyond the account owning what it makes (`POST /serviceAccounts/{id}/takeOwnership` hands that over), and no /api
 * document describes a service account, so the reference is its cloudapi entity, typed `application/json` as VCD
 * types its /api references to cloudapi entities (a VDC's `DefaultComputePolicy`). It carries the account's name
 * and URN (what kind of entity it is); govcd decodes `User` as a plain `types.Reference` (href, id, name, type as strings), so it reads either.
 */
function actorReference(base: string, task: TaskRow): { href: string; id?: string; name: string; type: string } | null {
  if (!task.user_id) return null;
  if (task.user_kind === 'service_account')
    return {
      href: serviceAccountHref(base, task.user_id),
      id: urn('serviceAccount', task.user_id),
      name: task.user_name,
      type: 'application/json',
    };
  return { href: userHref(base, task.user_id), name: task.user_name, type: MEDIA.user };
}

const iso = (ms: number | null) => (ms === null ? undefined : new Date(Number(ms)).toISOString());

/** `root`: the document root (with the namespace) or a `Task` inside an entity's `Tasks`. */
export function taskTree(base: string, task: TaskRow, root = true): DocElement {
  const href = taskHref(base, task.id);
  const owner = taskOwnerReference(base, task.owner_kind, task.owner_id);
  const running = task.status === 'queued' || task.status === 'running';
  const actor = actorReference(base, task);
  return node(
    'Task',
    {
      ...(root ? { xmlns: VCLOUD_NS } : {}),
      cancelRequested: false,
      endTime: iso(task.ended_at),
      expiryTime: iso(task.expires_at),
      operation: task.operation,
      operationName: task.operation_name,
      serviceNamespace: 'com.vmware.vcloud',
      startTime: iso(task.started_at),
      status: task.status,
      name: 'task',
      id: urn('task', task.id),
      type: MEDIA.task,
      href,
    },
    [
      running ? node('Link', { rel: 'task:cancel', href: `${href}/action/cancel` }) : null,
      node('Owner', { href: owner.href, id: owner.id, name: task.owner_name, type: owner.type }),
      task.status === 'error'
        ? node('Error', {
            majorErrorCode: task.error_status ?? 500,
            message: task.error_message ?? 'The task failed',
            minorErrorCode: task.error_code ?? 'INTERNAL_SERVER_ERROR',
          })
        : null,
      actor ? node('User', actor) : null,
      task.user_org_id ? node('Organization', { href: orgHref(base, task.user_org_id), name: task.user_org_name, type: MEDIA.org }) : null,
      text('Progress', task.progress),
      text('Details', task.status === 'error' ? (task.error_message ?? '') : ''),
    ],
  );
}

/**
 * An org's TasksList (`GET /api/tasksList/{orgId}`, the Org document's `rel="down"` link of this type): govcd's
 * Org.GetTaskList decodes it into `types.TasksList`, pyvcloud follows the link. The tasks the reader may read, each as
 * `/api/task/{id}` answers it, newest first; VCD's list is not paged either.
 */
export function tasksListTree(base: string, orgId: string, tasks: readonly TaskRow[]): DocElement {
  return node(
    'TasksList',
    { xmlns: VCLOUD_NS, href: tasksListHref(base, orgId), type: MEDIA.tasksList },
    tasks.map((task) => taskTree(base, task, false)),
  );
}
