/** How portal handlers answer: a page (never cached: pages carry CSRF tokens and user data) or a redirect. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SafeHtml } from './html.js';
import { showTimesIn } from './views/components.js';
import { DEFAULT_TIME_ZONE } from '../../domain/time-zone.js';

/**
 * A page with an error status (a refused form shown again, an error page) has a title that says so: a screen reader
 * announces the title first, and "New user · Tessera" after a submit sounded like success (WCAG 3.3.1, technique G88).
 */
export function sendPage(reply: FastifyReply, page: SafeHtml, status = 200) {
  const shown = status >= 400 ? page.value.replace('<title>', '<title>Error: ') : page.value;
  const body = showTimesIn(shown, reply.request.portal?.timeZone ?? DEFAULT_TIME_ZONE);
  return reply.code(status).header('Cache-Control', 'no-store').type('text/html; charset=utf-8').send(body);
}

/** 303 See Other: after a POST the browser follows with a GET (POST-redirect-GET). */
export function seeOther(reply: FastifyReply, location: string) {
  return reply.header('Cache-Control', 'no-store').redirect(location, 303);
}

/** One text field of a urlencoded form body ('' when absent; the first value when repeated). */
export function formField(request: FastifyRequest, name: string): string {
  const body = request.body;
  if (!body || typeof body !== 'object') return '';
  const value = (body as Record<string, unknown>)[name];
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return '';
}

export function queryField(request: FastifyRequest, name: string): string {
  const value = (request.query as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}
