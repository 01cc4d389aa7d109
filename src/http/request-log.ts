/**
 * One line per answered request, at a level that follows TESSERA_REQUEST_LOG (fastify's own two lines per
 * request at info are turned off: at any load they drown everything else):
 *   off     no request lines (a 5xx is still logged by the error handler, with its error)
 *   errors  5xx at error (a health probe's 503 at warn); everything else at debug (seen only with --log-level
 *           debug). The default.
 *   all     2xx/3xx at info, 4xx at warn, 5xx at error
 * The URL goes through the req serializer, which redacts secrets in the query string.
 *
 * How: an onResponse hook, which makes fastify time and listen to every response, with `responseTime` until the
 * answer was written. Except in the default case, `errors` at a level that hides debug lines, where only a 5xx can
 * write one: that line is written from an onSend hook, when the 5xx is ready to go, and the other answers cost
 * nothing (an onResponse hook cost the token exchange about 2 µs of CPU per request, with fastify's timing of
 * each response). Its `responseTime` is then from the request's arrival to its answer being ready.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { RequestLog } from '../config.js';

export function installRequestLog(app: FastifyInstance, mode: RequestLog, logger: Logger): void {
  if (mode === 'off') return;
  if (mode === 'errors' && !logger.isLevelEnabled('debug')) {
    app.decorateRequest(ARRIVED_AT, 0);
    app.addHook('onRequest', (request, _reply, done) => {
      (request as unknown as Record<typeof ARRIVED_AT, number>)[ARRIVED_AT] = performance.now();
      done();
    });
    app.addHook('onSend', (request, reply, payload, done) => {
      if (reply.statusCode >= 500) {
        writeLine(request, reply, mode, performance.now() - (request as unknown as Record<typeof ARRIVED_AT, number>)[ARRIVED_AT]);
      }
      done(null, payload);
    });
    return;
  }
  app.addHook('onResponse', (request, reply, done) => {
    writeLine(request, reply, mode, reply.elapsedTime);
    done();
  });
}

/**
 * The line of an answer that no hook sees: fastify's `frameworkErrors` (a malformed URL, an overlong path parameter)
 * answer before routing, in a context without the hooks above, so until 2026-12-07 those 400s were missing from the
 * request log even with `all`. Written when the answer has gone, as onResponse would have; timed from this call.
 */
export function logAnswerOutsideRoutes(request: FastifyRequest, reply: FastifyReply, mode: RequestLog): void {
  if (mode === 'off') return;
  const from = performance.now();
  reply.raw.once('finish', () => writeLine(request, reply, mode, performance.now() - from));
}

/** When each request arrived (performance.now()), for the 5xx lines of the onSend path: a decorated request field. */
const ARRIVED_AT = 'tesseraArrivedAt';

function writeLine(request: FastifyRequest, reply: FastifyReply, mode: RequestLog, responseTime: number): void {
  const status = reply.statusCode;
  // A probe's 503 is its answer ("not ready": draining for a planned stop, or the feed or the store down, which
  // are logged where they happen), not a failed request: warn, so a drain does not fill the log with errors.
  const probe = status === 503 && request.routeOptions.url?.startsWith('/health') === true;
  const level = probe ? 'warn' : status >= 500 ? 'error' : mode === 'all' ? (status >= 400 ? 'warn' : 'info') : 'debug';
  if ((request.log as unknown as Logger).isLevelEnabled(level)) {
    request.log[level]({ req: request, res: { statusCode: status }, responseTime }, 'request completed');
  }
}
