/**
 * GET /health for load balancers: 200 `{"status":"ok"}` only when this node can serve authenticated requests
 * safely, i.e. its revocation feed is proven live (src/store/pg-revocation-bus.ts) and the store answers;
 * otherwise 503 `{"status":"degraded"}`, so the balancer takes the node out while it fails closed. The body
 * says nothing more: the reason goes to the log, not to whoever polls.
 */
import type { FastifyPluginAsync } from 'fastify';

export const healthRoutes: FastifyPluginAsync = async (app) => {
  app.get('/health', async (_request, reply) => {
    reply.header('Cache-Control', 'no-store');
    const ok = app.tessera.revocations.healthy() && (await storeAnswers(app.tessera.store, app.tessera.config.revocationFeedMaxLagMs));
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
