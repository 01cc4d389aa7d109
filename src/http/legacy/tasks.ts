/**
 * `GET /api/task/{id}`: one VCD task (inventory/documents/task.ts), as govcd's `Task.WaitTaskCompletion` polls it.
 * Readable by whoever started it and by whoever may read the org it is about (policy action `task.view`);
 * unknown ids and others' tasks are the same 403.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { baseUrl, requirePrincipal } from '../context.js';
import { forbidden } from '../../domain/errors.js';
import { sendDocument } from './send-document.js';
import { IdParams, TAG, readByIdSchema } from './contract.js';
import { can } from '../../domain/policy.js';
import { MEDIA } from '../../inventory/hrefs.js';
import { taskTree } from '../../inventory/documents/task.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const taskSchema = readByIdSchema(IdParams, {
  summary: 'One task (govcd polls it until it is finished)',
  tag: TAG.admin,
  media: MEDIA.task,
  description: 'Task',
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
};
