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

/** Set by the server when it begins to shut down: /health/ready answers 503 from then on. */
export interface Readiness {
  draining: boolean;
}

/** Whether the node can serve authenticated requests: a live revocation feed and a store that answers in time. */
async function nodeHealthy(app: FastifyInstance): Promise<boolean> {
  return app.tessera.revocations.healthy() && (await storeAnswers(app.tessera.store, app.tessera.config.revocationFeedMaxLagMs));
}

export const healthRoutes: FastifyPluginAsync = async (app) => {
  app.get('/health', async (_request, reply) => {
    reply.header('Cache-Control', 'no-store');
    const ok = await nodeHealthy(app);
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'degraded' });
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
  return async function routes(app: FastifyInstance): Promise<void> {
    app.get('/health/live', async (_request, reply) => probeAnswer(reply, true, 'live'));
    app.get('/health/ready', async (_request, reply) => {
      const ready = !readiness.draining && (await nodeHealthy(app));
      return probeAnswer(reply, ready, 'ready');
    });
  };
}
