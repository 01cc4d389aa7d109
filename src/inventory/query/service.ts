/**
 * The query service end to end, minus HTTP: resolve the type, ask the policy, validate the parameters, then
 * answer from the page cache when the inventory has not changed since the same request was answered, else
 * run the SQL in the caller's scope and render (XML or JSON) into the cache.
 */
import type { Principal } from '../../domain/principal.js';
import { can } from '../../domain/policy.js';
import { badRequest, forbidden } from '../../domain/errors.js';
import type { Store } from '../../store/store.js';
import { listMetadata, type MetadataRow } from '../repository.js';
import { inventoryScope } from '../scope.js';
import { readInventoryVersion } from '../version.js';
import { queryCaches } from './cache.js';
import { QUERY_TYPES, queryType, type QueryTypeDefinition } from './catalogue.js';
import { executeQuery, type QueryRequest } from './execute.js';
import type { QueryLocation } from './links.js';
import { queryParametersKey, type QueryParameters } from './params.js';
import { metadataKindOf, selectFields } from './records.js';
import { renderQueryResultJson } from './render-json.js';
import { renderQueryResultXml, type QueryResultDocument } from './render-xml.js';

/**
 * May this principal run this type? Admin types need the provider view (System org administrators): VCD's API
 * reference lists `adminVM`, `adminVApp` and `adminOrgVdc` as "Visible To: [SysAdmin]" and `vm` as "[User,
 * OrgAdmin]", so an organization's administrator runs the tenant types, as go-vcloud-director does for every tenant.
 */
export function mayRunQueryType(principal: Principal, type: QueryTypeDefinition): boolean {
  if (!can(principal, type.action)) return false;
  return !type.admin || inventoryScope(principal).kind === 'all';
}

/** The types a principal may run, for the QueryList. */
export function runnableQueryTypes(principal: Principal): QueryTypeDefinition[] {
  return QUERY_TYPES.filter((t) => mayRunQueryType(principal, t));
}

/** Resolves `type=`: 400 when unknown (VCD's type names are case-sensitive), 403 when not allowed. */
export function resolveQueryType(principal: Principal, name: string): QueryTypeDefinition {
  const type = queryType(name);
  if (!type) throw badRequest(`Unknown query type "${name.slice(0, 60)}"; known types are: ${QUERY_TYPES.map((t) => t.name).join(', ')}`);
  if (!mayRunQueryType(principal, type)) throw forbidden();
  return type;
}

export interface TypedQueryInput {
  readonly type: QueryTypeDefinition;
  readonly params: QueryParameters;
  readonly location: QueryLocation;
  /** For packaged queries under a parent (`/api/org/{id}/vdcs/query`); the caller checked the parent's visibility. */
  readonly restrictions?: QueryRequest['restrictions'];
  /** JSON (`Accept: application/*+json`) or XML. */
  readonly json: boolean;
  /** Recompute instead of answering from the page cache (`Cache-Control: no-cache`); counts and anchors still apply. */
  readonly noCache?: boolean;
}

/**
 * Runs the query and renders the body (XML or JSON, UTF-8 bytes). Throws 400 for a bad filter, sort or fields.
 * The body is kept as bytes so a cached page is sent as is: encoding a 22 KB string again on every send cost
 * more than everything else the cached path does.
 */
export async function answerTypedQuery(store: Store, principal: Principal, input: TypedQueryInput): Promise<Buffer> {
  const { type, params } = input;
  const selection = selectFields(type, params.fields);
  const scope = inventoryScope(principal);
  const pages = queryCaches(store).pages;
  // Everything the body depends on. The rights were checked above; within one scope every caller sees the same.
  // Two JSON texts one after the other: each is self-delimiting, so the key is unambiguous.
  const key =
    queryParametersKey(params) +
    JSON.stringify([
      scope.kind === 'all' ? '*' : scope.orgId,
      type.name,
      input.restrictions ?? [],
      input.location.base,
      input.location.path,
      input.location.typeParam,
      input.json,
    ]);
  if (!input.noCache) {
    const cached = pages.get(key, await readInventoryVersion(store.db));
    if (cached !== undefined) return cached;
  }

  const metadata = new Map<string, MetadataRow[]>();
  const kind = metadataKindOf(type);
  const result = await executeQuery(
    store,
    {
      type,
      scope,
      restrictions: input.restrictions,
      filter: params.filter,
      sort: params.sort,
      page: params.page,
      pageSize: params.pageSize,
    },
    selection.metadata.length > 0 && kind
      ? async (ex, rows) => {
          const entries = await listMetadata(
            store,
            kind,
            rows.map((r) => r.id as string),
            { includePrivate: scope.kind === 'all', keys: selection.metadata },
            ex,
          );
          for (const entry of entries) metadata.set(entry.entity_id, [...(metadata.get(entry.entity_id) ?? []), entry]);
        }
      : undefined,
  );
  const doc: QueryResultDocument = { type, location: input.location, params, selection, total: result.total, rows: result.rows, metadata };
  const text = input.json ? JSON.stringify(renderQueryResultJson(doc)) : renderQueryResultXml(doc);
  // Its own memory, not a slice of Buffer's shared pool (which a small cached body would keep alive whole).
  const body = Buffer.allocUnsafeSlow(Buffer.byteLength(text, 'utf8'));
  body.write(text, 'utf8');
  pages.set(key, result.version, body);
  return body;
}
