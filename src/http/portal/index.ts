/** Portal pages (issue 6). Placeholder until the portal lands: the root redirects to the API versions. */
import type { FastifyPluginAsync } from 'fastify';

export const portalRoutes: FastifyPluginAsync = async (app) => {
  app.get('/', async (_request, reply) => reply.redirect('/api/versions'));
};
