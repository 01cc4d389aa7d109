/**
 * Probes for orchestrators and load balancers. They answer a fixed body and a status, nothing else: no versions,
 * no error text, no timings (an anonymous caller learns only up or down; the reason goes to the log).
 *   GET /health        200 `{"status":"ok"}` only when this node can serve authenticated requests safely, i.e. its
 *                      revocation feed is proven live (src/store/pg-revocation-bus.ts) and the store answers
 *                      within the feed's bound (revocationFeedMaxLagMs); otherwise 503 `{"status":"degraded"}`, so
 *                      the balancer takes the node out while it fails closed.
 *   GET /health/live   200 while the process serves HTTP at all (restart me if this fails).
 *   GET /health/ready  200 only when, as for /health, the revocation feed is live and the store answers within the
 *                      bound, and the node is not shutting down: 503 from the moment shutdown begins, so a balancer
 *                      drains it before it stops listening.
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AnyQuery } from './contract/common.js';

/**
 * The probes' contract: no input (query parameters are ignored, so a balancer's cache-buster does no harm) and a
 * one-field answer. These replies are objects, serialized through the schema: a field added to an answer without
 * adding it here would be dropped, which for probes that must leak nothing is the right way round.
 */
const probeSchema = (ok: string, down: string) => ({
  querystring: AnyQuery,
  response: {
    200: Type.Object({ status: Type.Literal(ok) }, { additionalProperties: false }),
    503: Type.Object({ status: Type.Literal(down) }, { additionalProperties: false }),
  },
});

/** Set by the server when it begins to shut down: /health/ready answers 503 from then on. */
export interface Readiness {
  draining: boolean;
}

/** Whether the node can serve authenticated requests: a live revocation feed and a store that answers in time. */
async function nodeHealthy(app: FastifyInstance): Promise<boolean> {
  return app.tessera.revocations.healthy() && (await storeAnswers(app.tessera.store, app.tessera.config.revocationFeedMaxLagMs));
}

export const healthRoutes: FastifyPluginAsync = async (plugin) => {
  const app = plugin.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/health', { schema: probeSchema('ok', 'degraded') }, async (_request, reply) => {
    reply.header('Cache-Control', 'no-store');
    const ok = await nodeHealthy(app);
    return ok ? reply.code(200).send({ status: 'ok' }) : reply.code(503).send({ status: 'degraded' });
  });
};

/** A ping bounded in time: over a stalled connection it would hang, and so would the health check. */
async function storeAnswers(store: { ping(): Promise<void> }, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([store.ping().then(() => true), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

function probeAnswer(reply: FastifyReply, ok: boolean, okStatus: string) {
  return reply
    .code(ok ? 200 : 503)
    .header('cache-control', 'no-store')
    .type('application/json')
    .send(ok ? { status: okStatus } : { status: 'unavailable' });
}

export function healthProbeRoutes(readiness: Readiness) {
  return async function routes(plugin: FastifyInstance): Promise<void> {
    const app = plugin.withTypeProvider<TypeBoxTypeProvider>();
    app.get('/health/live', { schema: probeSchema('live', 'unavailable') }, async (_request, reply) => probeAnswer(reply, true, 'live'));
    app.get('/health/ready', { schema: probeSchema('ready', 'unavailable') }, async (_request, reply) => {
      const ready = !readiness.draining && (await nodeHealthy(app));
      return probeAnswer(reply, ready, 'ready');
    });
  };
}
