/**
 * `GET /cloudapi/1.0.0/auditTrail`: the audit events an admin may read (own org; all orgs for the provider),
 * paged, newest first, with a FIQL filter on eventType, outcome, user, token id and time.
 */
import { contractValidatorCompiler } from '../contract/validator.js';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { listRoute } from './schemas.js';
import { AuditEventPage } from './responses.js';
import type { FastifyPluginAsync } from 'fastify';
import { requirePrincipal, sendCloudapiJson } from '../context.js';
import { badRequest } from '../../domain/errors.js';
import { sql } from 'kysely';
import { readableAuditEvents } from '../../auth/audit-trail.js';
import { compileFiqlFilter, type FiqlFieldMap } from '../../store/fiql-sql.js';
import { pagedEnvelope, parsePageRequest, setPagingLinks } from './paging.js';
import { isoOrNull } from './token-entity.js';

const FILTER_FIELDS: FiqlFieldMap = {
  eventType: { column: 'event_type', type: 'string' },
  outcome: { column: 'outcome', type: 'enum', values: ['success', 'failure'] },
  'user.name': { column: 'actor_name', type: 'string', nullable: true },
  'org.name': { column: 'org_name', type: 'string', nullable: true },
  tokenId: { column: 'token_id', type: 'ref', nullable: true },
  timestamp: { column: 'at', type: 'date' },
};

const SORT_COLUMNS: Readonly<Record<string, string>> = {
  timestamp: 'at',
  eventType: 'event_type',
  outcome: 'outcome',
  'user.name': 'actor_name',
  'org.name': 'org_name',
};

/** Newest first unless the client sorts by a field of SORT_COLUMNS; anything else is 400, never ignored. */
function auditSort(query: Record<string, unknown>): { column: string; direction: 'asc' | 'desc' } {
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const asc = text(query.sortAsc);
  const desc = text(query.sortDesc);
  if (asc !== undefined && desc !== undefined) throw badRequest('Use either sortAsc or sortDesc, not both');
  const field = asc ?? desc;
  if (field === undefined) return { column: 'at', direction: 'desc' };
  if (!Object.hasOwn(SORT_COLUMNS, field)) {
    throw badRequest(`Cannot sort by "${field.slice(0, 100)}"; use one of ${Object.keys(SORT_COLUMNS).join(', ')}`);
  }
  return { column: SORT_COLUMNS[field]!, direction: asc !== undefined ? 'asc' : 'desc' };
}

export const cloudapiAuditRoutes: FastifyPluginAsync = async (plugin) => {
  const app = plugin.withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(contractValidatorCompiler);
  const { store } = app.tessera;
  app.get('/cloudapi/1.0.0/auditTrail', listRoute(AuditEventPage), async (request, reply) => {
    const principal = requirePrincipal(request);
    let base = readableAuditEvents(store, principal);
    const page = parsePageRequest(request.query);
    const sort = auditSort(request.query);
    // A repeated parameter arrives as an array: the first one counts, as for every other list.
    const rawFilter = request.query.filter as unknown;
    const filter = Array.isArray(rawFilter) ? rawFilter[0] : rawFilter;
    if (typeof filter === 'string' && filter !== '') {
      base = base.where(compileFiqlFilter(filter, FILTER_FIELDS, { likeOperator: store.likeOperator }));
    }
    const total = Number((await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await base
      .selectAll()
      .orderBy(sql.ref(sort.column), sort.direction)
      .orderBy('at', 'desc')
      .orderBy('id')
      .limit(page.pageSize)
      .offset((page.page - 1) * page.pageSize)
      .execute();
    const values = rows.map((r) => ({
      eventId: `urn:vcloud:audit:${r.id}`,
      eventType: r.event_type,
      eventStatus: r.outcome === 'success' ? 'SUCCESS' : 'FAILURE',
      timestamp: isoOrNull(r.at),
      user: r.actor_id ? { name: r.actor_name, id: `urn:vcloud:user:${r.actor_id}` } : null,
      org: r.org_id ? { name: r.org_name, id: `urn:vcloud:org:${r.org_id}` } : null,
      tokenId: r.token_id ? `urn:vcloud:token:${r.token_id}` : null,
      ipAddress: r.ip,
      details: JSON.parse(r.details),
    }));
    setPagingLinks(request, reply, total, page, 'AuditTrailEvents');
    return sendCloudapiJson(request, reply, 200, pagedEnvelope(values, total, page));
  });
};
