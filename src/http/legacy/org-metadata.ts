/**
 * An org's metadata entries, one at a time and written, as govcd's AdminOrg / Org metadata calls send them
 * (Terraform's `vcd_org` with `metadata_entry` or `metadata`):
 *
 *   GET    /api/org/{id}/metadata/[SYSTEM/]{key}         MetadataValue (tenants: of their own org, PRIVATE hidden)
 *   GET    /api/admin/org/{id}/metadata/[SYSTEM/]{key}   MetadataValue
 *   POST   /api/admin/org/{id}/metadata                  Metadata in: merge; 202 with the finished Task
 *   PUT    /api/admin/org/{id}/metadata/[SYSTEM/]{key}   MetadataValue in: set one; 202 with the finished Task
 *   DELETE /api/admin/org/{id}/metadata/[SYSTEM/]{key}   202 with the finished Task
 *
 * The whole `Metadata` document is served with the other inventory documents (inventory.ts). Writes are the
 * provider's (auth/org-metadata.ts); the entries' rules are domain/metadata-entry.ts's. govcd waits on the Task
 * of every write, as VCD runs these as tasks. A key the org does not carry answers the 403 of an unknown entity.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Principal } from '../../domain/principal.js';
import type { Org, TaskRow } from '../../store/store.js';
import { baseUrl, requirePrincipal } from '../context.js';
import { badRequest } from '../../domain/errors.js';
import { can } from '../../domain/policy.js';
import {
  MAX_METADATA_ENTRIES,
  MAX_METADATA_KEY_LENGTH,
  validMetadataEntry,
  validMetadataKey,
  type MetadataDomain,
  type MetadataEntry,
} from '../../domain/metadata-entry.js';
import { readableOr403, type ReadableKind } from '../../inventory/access.js';
import { MEDIA, adminOrgHref, idFromPathSegment, orgHref } from '../../inventory/hrefs.js';
import { taskTree } from '../../inventory/documents/task.js';
import { sendDocument } from './send-document.js';
import { IdKeyParams, METADATA_ENTRY_PATHS, domainOf, sendMetadataEntry } from './send-metadata.js';
import { orgToManageIn } from './admin-orgs.js';
import { parseXmlBody, type XmlElement } from './xml-input.js';
import {
  AnyQuerystring,
  ApiHeaders,
  BODY_ERRORS,
  COMMON_ERRORS,
  IdParams,
  TAG,
  authenticated,
  documentResponse,
  readByIdSchema,
  xmlBody,
} from './contract.js';

const write = { tags: [TAG.admin], security: authenticated(), headers: ApiHeaders, querystring: AnyQuerystring };
const taskAnswer = { 202: documentResponse(MEDIA.task, 'The finished Task (govcd waits on it)') };

/**
 * One `MetadataEntry` or `MetadataValue` element as the rules read it. A value's key comes from the path, and so
 * does its domain: a `Domain` element that names the other one is a contradiction, refused rather than chosen.
 */
function entryFrom(element: XmlElement, key: string, pathDomain?: MetadataDomain): MetadataEntry {
  const typed = element.child('TypedValue');
  if (!typed) throw badRequest(`Metadata "${key}" has no TypedValue`);
  const domain = element.child('Domain');
  const value = typed.child('Value');
  if (value?.hasElementChildren()) throw badRequest(`The Value of metadata "${key}" must be text, not elements`);
  const named = domain?.text() || undefined;
  if (pathDomain && named !== undefined && named !== pathDomain) {
    throw badRequest(`The path names the ${pathDomain} domain but the MetadataValue says ${named.slice(0, 40)}`);
  }
  // A string keeps its spaces (xs:string preserves them); a number, a boolean or a date is read as XSD reads one,
  // without the whitespace around it.
  const valueType = typed.attr('type');
  const text = valueType === undefined || valueType === 'MetadataStringValue' ? value?.rawText() : value?.text();
  return validMetadataEntry({
    key,
    value: text ?? '',
    valueType,
    domain: named ?? pathDomain,
    visibility: domain?.attr('visibility'),
  });
}

/** The entries of a `Metadata` document (at most the number an org may carry: the rest could never be kept). */
function entriesFrom(doc: XmlElement): MetadataEntry[] {
  const elements = doc.children('MetadataEntry');
  if (elements.length > MAX_METADATA_ENTRIES) throw badRequest(`An organization carries at most ${MAX_METADATA_ENTRIES} metadata entries`);
  return elements.map((e) => entryFrom(e, e.childText('Key', MAX_METADATA_KEY_LENGTH) ?? ''));
}

export const legacyOrgMetadataRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const services = () => app.tessera;
  const store = () => app.tessera.store;

  const readableOrg = async (principal: Principal, segment: string, kind: ReadableKind): Promise<Org> => {
    const id = idFromPathSegment(segment, 'org');
    return readableOr403(principal, kind, id ? await store().getOrg(id) : undefined);
  };

  const orgToManage = (principal: Principal, segment: string) => orgToManageIn(store(), principal, segment);

  const metadataTask = (principal: Principal, verb: string) => ({
    operationName: 'metadataUpdate',
    operation: (org: Org) => `${verb} metadata of Organization ${org.name}(${org.id})`,
    org: (org: Org) => ({ id: org.id, name: org.name }),
    owner: (org: Org) => ({ kind: 'org' as const, id: org.id, name: org.name }),
    actor: principal,
  });

  const sendTask = async (request: FastifyRequest, reply: FastifyReply, run: () => Promise<{ task: TaskRow }>) => {
    const { task } = await run();
    reply.code(202);
    return sendDocument(request, reply, MEDIA.task, taskTree(baseUrl(request), task));
  };

  for (const [prefix, kind] of [
    ['/api/org', 'org'],
    ['/api/admin/org', 'adminOrg'],
  ] as const) {
    for (const { segment, system, summary: domainSummary } of METADATA_ENTRY_PATHS) {
      app.get(
        `${prefix}/:id/metadata/${segment}:key`,
        {
          schema: readByIdSchema(IdKeyParams, {
            summary: `One metadata entry of an org${domainSummary}`,
            tag: TAG.inventory,
            media: MEDIA.metadataValue,
            description: 'MetadataValue',
          }),
        },
        async (request, reply) => {
          const principal = requirePrincipal(request);
          const org = await readableOrg(principal, request.params.id, kind);
          const entityHref = prefix === '/api/org' ? orgHref(baseUrl(request), org.id) : adminOrgHref(baseUrl(request), org.id);
          return sendMetadataEntry(
            request,
            reply,
            principal,
            // Written at the admin href only, by whoever may manage orgs (the provider).
            {
              kind: 'org',
              entityId: org.id,
              entityHref,
              what: 'The organization',
              writable: kind === 'adminOrg' && can(principal, 'org.manage'),
            },
            request.params.key,
            system,
          );
        },
      );
    }
  }

  app.post(
    '/api/admin/org/:id/metadata',
    {
      schema: {
        ...write,
        summary: "Merge entries into an org's metadata (System administrator); answers the finished Task",
        params: IdParams,
        body: xmlBody(MEDIA.metadata, 'Metadata'),
        response: { ...taskAnswer, ...BODY_ERRORS },
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const org = await orgToManage(principal, request.params.id);
      const entries = entriesFrom(parseXmlBody(request.body, 'Metadata'));
      return sendTask(request, reply, () =>
        services().tasks.run(
          metadataTask(principal, 'Updated'),
          () => services().orgMetadata.merge(principal, org, entries, request.ip),
          org,
        ),
      );
    },
  );

  for (const { segment, system, summary: domainSummary } of METADATA_ENTRY_PATHS) {
    const path = `/api/admin/org/:id/metadata/${segment}:key`;
    app.put(
      path,
      {
        schema: {
          ...write,
          summary: `Set one metadata entry of an org${domainSummary} (System administrator); answers the finished Task`,
          params: IdKeyParams,
          body: xmlBody(MEDIA.metadataValue, 'MetadataValue'),
          response: { ...taskAnswer, ...BODY_ERRORS },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request);
        const org = await orgToManage(principal, request.params.id);
        const entry = entryFrom(parseXmlBody(request.body, 'MetadataValue'), validMetadataKey(request.params.key), domainOf(system));
        return sendTask(request, reply, () =>
          services().tasks.run(
            metadataTask(principal, 'Updated'),
            () => services().orgMetadata.merge(principal, org, [entry], request.ip),
            org,
          ),
        );
      },
    );

    app.delete(
      path,
      {
        schema: {
          ...write,
          summary: `Delete one metadata entry of an org${domainSummary} (System administrator); answers the finished Task`,
          params: IdKeyParams,
          response: { ...taskAnswer, ...COMMON_ERRORS },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request);
        const org = await orgToManage(principal, request.params.id);
        const key = validMetadataKey(request.params.key);
        return sendTask(request, reply, () =>
          services().tasks.run(
            metadataTask(principal, 'Deleted'),
            () => services().orgMetadata.remove(principal, org, domainOf(system), key, request.ip),
            org,
          ),
        );
      },
    );
  }
};
