/**
 * One line per answered request, at a level that follows TESSERA_REQUEST_LOG (fastify's own two lines per
 * request at info are turned off: at any load they drown everything else):
 *   off     no request lines (a 5xx is still logged by the error handler, with its error)
 *   errors  5xx at error (a health probe's 503 at warn); everything else at debug (seen only with --log-level
 *           debug). The default.
 *   all     2xx/3xx at info, 4xx at warn, 5xx at error
 * The URL goes through the req serializer, which redacts secrets in the query string.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { RequestLog } from '../config.js';

export function installRequestLog(app: FastifyInstance, mode: RequestLog): void {
  if (mode === 'off') return;
  app.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    // A probe's 503 is its answer ("not ready": draining for a planned stop, or the feed or the store down, which
    // are logged where they happen), not a failed request: warn, so a drain does not fill the log with errors.
    const probe = status === 503 && request.routeOptions.url?.startsWith('/health') === true;
    const level = probe ? 'warn' : status >= 500 ? 'error' : mode === 'all' ? (status >= 400 ? 'warn' : 'info') : 'debug';
    if ((request.log as unknown as Logger).isLevelEnabled(level)) {
      request.log[level]({ req: request, res: { statusCode: status }, responseTime: reply.elapsedTime }, 'request completed');
    }
    done();
  });
}
