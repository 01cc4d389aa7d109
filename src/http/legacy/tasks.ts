/**
 * `GET /api/task/{id}`: one VCD task (inventory/documents/task.ts), as govcd's `Task.WaitTaskCompletion` polls it.
 * Readable by whoever started it and by whoever may read the org it is about (policy action `task.view`);
 * unknown ids and others' tasks are the same 403.
 */
import type { FastifyPluginAsync } from 'fastify';
import { baseUrl, requirePrincipal } from '../context.js';
import { forbidden } from '../../domain/errors.js';
import { sendDocument } from './send-document.js';
import { can } from '../../domain/policy.js';
import { MEDIA } from '../../inventory/hrefs.js';
import { taskTree } from '../../inventory/documents/task.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const legacyTaskRoutes: FastifyPluginAsync = async (app) => {
  app.get<{ Params: { id: string } }>('/api/task/:id', async (request, reply) => {
    const principal = requirePrincipal(request);
    const raw = request.params.id.toLowerCase();
    const id = raw.startsWith('urn:vcloud:task:') ? raw.slice('urn:vcloud:task:'.length) : raw;
    const task = UUID.test(id) ? await app.tessera.tasks.get(id) : undefined;
    if (!task || !can(principal, 'task.view', { orgId: task.org_id, ...(task.user_id ? { ownerId: task.user_id } : {}) }))
      throw forbidden();
    return sendDocument(request, reply, MEDIA.task, taskTree(baseUrl(request), task));
  });
};
