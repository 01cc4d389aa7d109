// Placeholder until the inventory work lands (owned by the inventory module): replace wholesale.
import type { FastifyPluginAsync } from 'fastify';

export const legacyQueryRoutes: FastifyPluginAsync = async () => {};
