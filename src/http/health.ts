/**
 * Probes for orchestrators and load balancers. They answer a fixed body and a status, nothing else: no versions,
 * no error text, no timings (an anonymous caller learns only up or down).
 *   GET /health/live   200 while the process serves HTTP at all (restart me if this fails).
 *   GET /health/ready  200 only when the store answers (within READY_STORE_TIMEOUT_MS) and the revocation feed is
 *                      live (`revocations.healthy()`: a node that cannot know about revocations refuses bearer
 *                      calls anyway, so it should get no traffic); 503 otherwise, and from the moment the node
 *                      starts shutting down, so a balancer drains it before it stops listening.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';

const READY_STORE_TIMEOUT_MS = 2000;

/** Set by the server when it begins to shut down: /health/ready answers 503 from then on. */
export interface Readiness {
  draining: boolean;
}

function probeAnswer(reply: FastifyReply, ok: boolean, okStatus: string) {
  return reply
    .code(ok ? 200 : 503)
    .header('cache-control', 'no-store')
    .type('application/json')
    .send(ok ? { status: okStatus } : { status: 'unavailable' });
}

async function storeAnswers(app: FastifyInstance): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), READY_STORE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([
      app.tessera.store.ping().then(
        () => true,
        () => false,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export function healthProbeRoutes(readiness: Readiness) {
  return async function routes(app: FastifyInstance): Promise<void> {
    app.get('/health/live', async (_request, reply) => probeAnswer(reply, true, 'live'));
    app.get('/health/ready', async (_request, reply) => {
      const ready = !readiness.draining && app.tessera.revocations.healthy() && (await storeAnswers(app));
      return probeAnswer(reply, ready, 'ready');
    });
  };
}
