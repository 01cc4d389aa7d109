/**
 * `GET /api/task/{id}`: one VCD task (inventory/documents/task.ts), as govcd's `Task.WaitTaskCompletion` polls it.
 * Readable by whoever started it and by whoever may read the org it is about (policy action `task.view`);
 * unknown ids and others' tasks are the same 403.
 *
 * `GET /api/tasksList/{orgId}`: the org's TasksList (govcd's Org.GetTaskList), for every member of the org (and the
 * provider): exactly the tasks the reader may read one by one, so all of the org's for whoever may read the org's
 * tasks, and otherwise those the reader started. Another org, an unknown or a malformed id: the same 403.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { baseUrl, requirePrincipal } from '../context.js';
import { forbidden } from '../../domain/errors.js';
import { sendDocument } from './send-document.js';
import { IdParams, TAG, readByIdSchema } from './contract.js';
import { can } from '../../domain/policy.js';
import { MEDIA, idFromPathSegment } from '../../inventory/hrefs.js';
import { taskTree, tasksListTree } from '../../inventory/documents/task.js';
import { mayRead } from '../../inventory/access.js';
import { listTasksOfOrg } from '../../inventory/repository.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const taskSchema = readByIdSchema(IdParams, {
  summary: 'One task (govcd polls it until it is finished)',
  tag: TAG.admin,
  media: MEDIA.task,
  description: 'Task',
});

const tasksListSchema = readByIdSchema(IdParams, {
  summary: "An org's tasks (those the caller may read), newest first",
  tag: TAG.admin,
  media: MEDIA.tasksList,
  description: 'TasksList',
});

export const legacyTaskRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/api/task/:id', { schema: taskSchema }, async (request, reply) => {
    const principal = requirePrincipal(request);
    const raw = request.params.id.toLowerCase();
    const id = raw.startsWith('urn:vcloud:task:') ? raw.slice('urn:vcloud:task:'.length) : raw;
    const task = UUID.test(id) ? await app.tessera.tasks.get(id) : undefined;
    if (!task || !can(principal, 'task.view', { orgId: task.org_id, ...(task.user_id ? { ownerId: task.user_id } : {}) }))
      throw forbidden();
    return sendDocument(request, reply, MEDIA.task, taskTree(baseUrl(request), task));
  });

  app.get('/api/tasksList/:id', { schema: tasksListSchema }, async (request, reply) => {
    const principal = requirePrincipal(request);
    const orgId = idFromPathSegment(request.params.id, 'org');
    if (!orgId || !mayRead(principal, 'org', orgId) || !(await app.tessera.store.getOrg(orgId))) throw forbidden();
    // Whoever may read the org's tasks reads them all; anyone else the ones they started (as `/api/task/{id}`).
    const startedBy = can(principal, 'task.view', { orgId }) ? undefined : principal.userId;
    const tasks = await listTasksOfOrg(app.tessera.store, orgId, startedBy);
    return sendDocument(request, reply, MEDIA.tasksList, tasksListTree(baseUrl(request), orgId, tasks));
  });
};
