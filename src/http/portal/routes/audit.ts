/**
 * Administration > Audit Trail (issue 14 §2):
 *   GET {base}/administration/audit[?who=&what=&from=&to=&outcome=&page=]   newest first, 50 a page
 *   GET {base}/administration/audit/export[?same filters]                     every matching event, JSON Lines
 * What may be read is auth/audit-trail.ts's rule, the same as the cloudapi's /auditTrail. Dates are days in the
 * viewer's time zone (User preferences; UTC by default; `to` includes its whole day). The export streams in keyset batches, so a large trail never sits in memory.
 */
import type { FastifyInstance } from 'fastify';
import { Readable } from 'node:stream';
import { sql, type SqlBool } from 'kysely';
import { Type, type Static } from 'typebox';
import type { PortalDeps } from '../deps.js';
import { plainText } from '../html.js';
import type { Principal } from '../../../domain/principal.js';
import { requireSignedIn } from '../portal-session.js';
import { signedInFrame } from '../page-frame.js';
import { sendPage } from '../respond.js';
import { AUDIT_EXPORT, PAGE } from '../responses.js';
import { badRequest, forbidden } from '../../../domain/errors.js';
import { canViewAudit } from '../access.js';
import { readableAuditEvents } from '../../../auth/audit-trail.js';
import { likeLiteral } from '../user-queries.js';
import { auditPage, AUDIT_PAGE_SIZE, type AuditFilters } from '../views/admin-more.js';
import type { Services } from '../../context.js';
import { DEFAULT_TIME_ZONE, startOfDayInZone } from '../../../domain/time-zone.js';
import { parseIsoDateTime } from '../../../domain/instant.js';

// From and To are typed text (the browser's date picker showed the locale's format, and an ISO date typed into it
// became a nonsense year): any short text is accepted here, and one that is no date is said on the page, on its field.
const AuditQuery = Type.Object({
  who: Type.Optional(Type.String({ maxLength: 128 })),
  what: Type.Optional(Type.String({ maxLength: 128 })),
  from: Type.Optional(Type.String({ maxLength: 32 })),
  to: Type.Optional(Type.String({ maxLength: 32 })),
  outcome: Type.Optional(Type.String({ pattern: '^(success|failure)?$' })),
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
});
type AuditQueryType = Static<typeof AuditQuery>;

const EXPORT_BATCH = 1000;
const DAY_MS = 86_400_000;

function filtersOf(q: AuditQueryType): AuditFilters {
  return {
    who: (q.who ?? '').trim(),
    what: (q.what ?? '').trim(),
    from: (q.from ?? '').trim(),
    to: (q.to ?? '').trim(),
    outcome: q.outcome ?? '',
  };
}

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Which date filter is no date (`YYYY-MM-DD`, a day that exists), and what to say; null when both are fine. */
export function auditDateProblem(f: Pick<AuditFilters, 'from' | 'to'>): { field: 'from' | 'to'; message: string } | null {
  for (const field of ['from', 'to'] as const) {
    const text = f[field];
    if (text === '' || (ISO_DAY.test(text) && parseIsoDateTime(text, { bareDate: true }) !== null)) continue;
    const label = field === 'from' ? 'From' : 'To';
    return {
      field,
      message: plainText`The ${label} date "${text.slice(0, 32)}" is not a date: write it as YYYY-MM-DD, for example 2026-12-31.`,
    };
  }
  return null;
}

/** 00:00 of a `YYYY-MM-DD` day in the viewer's time zone (`days` later for the end of a range). */
function dayStart(text: string, zone: string, days = 0): number {
  const ms = parseIsoDateTime(text, { bareDate: true }); // a day that exists: 2027-02-30 is not March 2
  if (ms === null) throw badRequest(`"${text}" is not a date`);
  const d = new Date(ms + days * DAY_MS);
  return startOfDayInZone(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), zone);
}

/** The readable events narrowed by the filters: who (actor name, contains), what (event type, contains), when, outcome. */
function filtered(services: Services, principal: Principal, f: AuditFilters, zone: string) {
  let q = readableAuditEvents(services.store, principal);
  const like = (column: string, text: string) =>
    sql<SqlBool>`${services.store.lower(sql.ref(column))} like ${`%${likeLiteral(text.toLowerCase())}%`} escape '\\'`;
  if (f.who !== '') q = q.where(like('actor_name', f.who));
  if (f.what !== '') q = q.where(like('event_type', f.what));
  if (f.from !== '') q = q.where('at', '>=', dayStart(f.from, zone));
  if (f.to !== '') q = q.where('at', '<', dayStart(f.to, zone, 1));
  if (f.outcome !== '') q = q.where('outcome', '=', f.outcome);
  return q;
}

export function auditRoutes(app: FastifyInstance, deps: PortalDeps): void {
  const { services } = deps;

  app.get<{ Querystring: AuditQueryType }>(
    '/administration/audit',
    { schema: { querystring: AuditQuery, response: PAGE } },
    async (request, reply) => {
      const state = requireSignedIn(request);
      if (!canViewAudit(state.principal)) throw forbidden('The audit trail needs the right "General: View Audit Trail".');
      const filters = filtersOf(request.query);
      const page = request.query.page ?? 1;
      const problem = auditDateProblem(filters);
      if (problem) {
        const view = { filters, items: [], total: 0, page: 1, error: problem.message, invalidField: problem.field };
        return sendPage(reply, auditPage(signedInFrame(state, deps), view), 400);
      }
      const base = filtered(services, state.principal, filters, state.timeZone ?? DEFAULT_TIME_ZONE);
      const total = Number((await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
      const rows = await base
        .selectAll()
        .orderBy('at', 'desc')
        .orderBy('id', 'desc')
        .limit(AUDIT_PAGE_SIZE)
        .offset((page - 1) * AUDIT_PAGE_SIZE)
        .execute();
      const items = rows.map((r) => ({
        at: Number(r.at),
        type: r.event_type,
        outcome: r.outcome,
        actor: r.actor_name,
        org: r.org_name,
        ip: r.ip,
        details: r.details,
      }));
      // From after To selects nothing: said, rather than an empty trail that reads as "nothing happened" (until 2026-12-05).
      const backwards = filters.from !== '' && filters.to !== '' && filters.from > filters.to;
      const error = backwards
        ? `The From date (${filters.from}) is after the To date (${filters.to}): no event can fall between them.`
        : null;
      return sendPage(
        reply,
        auditPage(signedInFrame(state, deps), { filters, items, total, page, error, invalidField: backwards ? 'from' : null }),
        backwards ? 400 : 200,
      );
    },
  );

  app.get<{ Querystring: AuditQueryType }>(
    '/administration/audit/export',
    { schema: { querystring: AuditQuery, response: AUDIT_EXPORT } },
    async (request, reply) => {
      const state = requireSignedIn(request);
      if (!canViewAudit(state.principal)) throw forbidden('The audit trail needs the right "General: View Audit Trail".');
      const filters = filtersOf(request.query);
      const problem = auditDateProblem(filters);
      if (problem) throw badRequest(problem.message);
      const principal = state.principal;
      const zone = state.timeZone ?? DEFAULT_TIME_ZONE;
      async function* lines() {
        let after: { at: number; id: string } | null = null;
        for (;;) {
          let q = filtered(services, principal, filters, zone);
          if (after) {
            const a: { at: number; id: string } = after;
            q = q.where((eb) => eb.or([eb('at', '<', a.at), eb.and([eb('at', '=', a.at), eb('id', '<', a.id)])]));
          }
          const rows = await q.selectAll().orderBy('at', 'desc').orderBy('id', 'desc').limit(EXPORT_BATCH).execute();
          for (const r of rows) {
            yield `${JSON.stringify({
              eventId: `urn:vcloud:audit:${r.id}`,
              timestamp: new Date(Number(r.at)).toISOString(),
              eventType: r.event_type,
              outcome: r.outcome,
              user: r.actor_id ? { id: `urn:vcloud:user:${r.actor_id}`, name: r.actor_name } : null,
              org: r.org_id ? { id: `urn:vcloud:org:${r.org_id}`, name: r.org_name } : null,
              tokenId: r.token_id ? `urn:vcloud:token:${r.token_id}` : null,
              ip: r.ip,
              details: safeJson(r.details),
            })}\n`;
          }
          if (rows.length < EXPORT_BATCH) return;
          const last = rows[rows.length - 1]!;
          after = { at: Number(last.at), id: last.id };
        }
      }
      const stamp = new Date().toISOString().slice(0, 10);
      return reply
        .header('Cache-Control', 'no-store')
        .header('Content-Disposition', `attachment; filename="audit-${stamp}.jsonl"`)
        .type('application/x-ndjson; charset=utf-8')
        .send(Readable.from(lines()));
    },
  );
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}
