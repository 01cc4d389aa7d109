/**
 * The inventory sync API for the provider's agents (docs/inventory.md). Under a Tessera-owned segment of
 * /cloudapi (`x-tessera`, a name VCD never uses), so VCD's own namespaces stay clean and errors keep the cloudapi
 * JSON envelope:
 *
 *   GET  /cloudapi/x-tessera/inventory/sources/{source}                          state and object counts
 *   PUT  /cloudapi/x-tessera/inventory/sources/{source}                          single-call full sync (small inventories)
 *   POST /cloudapi/x-tessera/inventory/sources/{source}/batches[?generation=N]   upserts and deletes by external id
 *   POST /cloudapi/x-tessera/inventory/sources/{source}/generations              begin a full sync → {generation: N}
 *   POST /cloudapi/x-tessera/inventory/sources/{source}/generations/{N}/commit   delete what N did not list
 *
 * Who: the System org's password sessions and service accounts holding "Inventory: Sync" (domain/policy.ts);
 * never a user's API-token session, never a tenant. Every body is bounded (MAX_BATCH_OBJECTS objects, 8 MiB) and
 * checked against the TypeBox schema by a strict ajv (unknown properties are errors, not silently dropped as
 * fastify's default validator would), then every reference is checked before one transaction writes.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type TSchema } from 'typebox';
import { named } from '../contract/components.js';
import { requirePrincipal, sendCloudapiJson } from '../context.js';
import { forbidden, TesseraError } from '../../domain/errors.js';
import { can } from '../../domain/policy.js';
import type { Principal } from '../../domain/principal.js';
import type { Store } from '../../store/store.js';
import type { WriteCheck } from '../../inventory/teardown.js';
import { assertSessionStands } from '../../auth/session-stands.js';
import {
  MAX_BATCH_OBJECTS,
  SyncBatch as SyncBatchDocument,
  SyncVApp,
  SyncVdc,
  SyncVm,
  type SyncBatchDoc,
} from '../../inventory/declarative/document-schema.js';
import { desiredFromBatch } from '../../inventory/declarative/model.js';
import { applyInventory, beginGeneration, commitGeneration, GenerationError, sourceState } from '../../inventory/declarative/apply.js';
import { InventoryValidationError, type PlanSummary } from '../../inventory/declarative/plan.js';
import { strictValidatorCompiler } from '../../inventory/declarative/validate.js';
import {
  CLOUDAPI_BODY_ERRORS,
  CLOUDAPI_ERRORS,
  CONFLICT,
  SyncCounts,
  SyncGenerationCommitted,
  SyncGenerationOpened,
  SyncSourceState,
} from './responses.js';

const PREFIX = '/cloudapi/x-tessera/inventory/sources/:source';
/** 2,000 VMs with metadata and ExtraConfig fit well within this. */
const SYNC_BODY_LIMIT = 8 * 1024 * 1024;
/** Problems listed in one error message (the envelope has one string). */
const LISTED_PROBLEMS = 20;

const SourceParams = Type.Object(
  { source: Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,62}$', description: "the agent's source name" }) },
  { additionalProperties: false },
);
const GenerationParams = Type.Object(
  { source: SourceParams.properties.source, generation: Type.Integer({ minimum: 1, maximum: 2 ** 52 }) },
  { additionalProperties: false },
);
const BatchQuery = Type.Object(
  { generation: Type.Optional(Type.Integer({ minimum: 1, maximum: 2 ** 52, description: 'the open generation this batch belongs to' })) },
  { additionalProperties: false },
);
/**
 * The batch document (inventory/declarative/document-schema.ts), with its object schemas named once in the
 * OpenAPI document (each is a few KiB; the two sync operations would otherwise carry copies of all three).
 */
const objectsOf = <T extends TSchema>(name: string, item: T) =>
  Type.Optional(Type.Array(named(name, item), { maxItems: MAX_BATCH_OBJECTS }));
const SyncBatch = Type.Object(
  {
    ...SyncBatchDocument.properties,
    vdcs: objectsOf('SyncVdc', SyncVdc),
    vapps: objectsOf('SyncVApp', SyncVApp),
    vms: objectsOf('SyncVm', SyncVm),
  },
  { additionalProperties: false },
);
/** The single-call full sync lists everything; deletions are implied by absence. */
const FullSync = Type.Object(
  { vdcs: SyncBatch.properties.vdcs, vapps: SyncBatch.properties.vapps, vms: SyncBatch.properties.vms },
  { additionalProperties: false },
);

function requireSyncRight(request: FastifyRequest) {
  const principal = requirePrincipal(request);
  if (!can(principal, 'inventory.sync')) throw forbidden();
  return principal;
}

/**
 * Each write only for a session that still stands, read in its transaction (session-stands.ts): until 2026-12-07 a
 * System administrator's stolen session, cut off on another node a moment before, could still replace or prune a
 * source's inventory. A service account's session likewise, from its account's row: until 2026-12-07 it was judged by
 * its bearer check alone, and an agent's account whose role had just lost "Inventory: Sync" on another node synced on.
 */
const standing =
  (store: Store, principal: Principal): WriteCheck =>
  (trx) =>
    assertSessionStands(store, trx, principal, { lock: false });

function toHttpError(error: unknown): unknown {
  if (error instanceof InventoryValidationError) {
    const listed = error.problems.slice(0, LISTED_PROBLEMS).map((p) => `${p.pointer || '(body)'}: ${p.message}`);
    const more = error.problems.length > LISTED_PROBLEMS ? `; and ${error.problems.length - LISTED_PROBLEMS} more` : '';
    return new TesseraError('BAD_REQUEST', `${error.problems.length} problem(s), nothing was changed: ${listed.join('; ')}${more}`);
  }
  if (error instanceof GenerationError) return new TesseraError('BAD_REQUEST', error.message, { status: 409 });
  return error;
}

const counts = (s: PlanSummary) => ({ created: s.created, updated: s.updated, deleted: s.deleted, unchanged: s.unchanged });

export const cloudapiInventorySyncRoutes: FastifyPluginAsync = async (app) => {
  const { store } = app.tessera;
  // Who may call is decided before the body is read: a batch may be 8 MiB, and until 2026-12-05 anyone could make the
  // server read and validate one (about 440 ms each) before the 401, and learn the schema from the 400.
  const routeOptions = {
    validatorCompiler: strictValidatorCompiler,
    bodyLimit: SYNC_BODY_LIMIT,
    onRequest: (request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void) => {
      try {
        requireSyncRight(request);
        done();
      } catch (error) {
        done(error as Error);
      }
    },
  };

  app.get<{ Params: { source: string } }>(
    PREFIX,
    { ...routeOptions, schema: { params: SourceParams, response: { 200: SyncSourceState, ...CLOUDAPI_ERRORS } } },
    async (request, reply) => {
      requireSyncRight(request);
      return sendCloudapiJson(request, reply, 200, await sourceState(store, request.params.source));
    },
  );

  app.put<{ Params: { source: string }; Body: SyncBatchDoc }>(
    PREFIX,
    { ...routeOptions, schema: { params: SourceParams, body: FullSync, response: { 200: SyncCounts, ...CLOUDAPI_BODY_ERRORS } } },
    async (request, reply) => {
      const principal = requireSyncRight(request);
      const result = await applyInventory(store, desiredFromBatch(request.body), {
        source: request.params.source,
        check: standing(store, principal),
        prune: true,
        createOrgs: false,
      }).catch((e: unknown) => {
        throw toHttpError(e);
      });
      return sendCloudapiJson(request, reply, 200, counts(result.summary));
    },
  );

  app.post<{ Params: { source: string }; Querystring: { generation?: number }; Body: SyncBatchDoc }>(
    `${PREFIX}/batches`,
    {
      ...routeOptions,
      schema: {
        params: SourceParams,
        querystring: BatchQuery,
        body: SyncBatch,
        response: { 200: SyncCounts, ...CONFLICT, ...CLOUDAPI_BODY_ERRORS },
      },
    },
    async (request, reply) => {
      const principal = requireSyncRight(request);
      const result = await applyInventory(store, desiredFromBatch(request.body), {
        source: request.params.source,
        check: standing(store, principal),
        prune: false,
        createOrgs: false,
        ...(request.query.generation !== undefined ? { generation: request.query.generation } : {}),
      }).catch((e: unknown) => {
        throw toHttpError(e);
      });
      return sendCloudapiJson(request, reply, 200, counts(result.summary));
    },
  );

  app.post<{ Params: { source: string } }>(
    `${PREFIX}/generations`,
    { ...routeOptions, schema: { params: SourceParams, response: { 201: SyncGenerationOpened, ...CLOUDAPI_BODY_ERRORS } } },
    async (request, reply) => {
      const principal = requireSyncRight(request);
      const generation = await beginGeneration(store, request.params.source, standing(store, principal));
      return sendCloudapiJson(request, reply, 201, { source: request.params.source, generation });
    },
  );

  app.post<{ Params: { source: string; generation: number } }>(
    `${PREFIX}/generations/:generation/commit`,
    {
      ...routeOptions,
      schema: { params: GenerationParams, response: { 200: SyncGenerationCommitted, ...CONFLICT, ...CLOUDAPI_BODY_ERRORS } },
    },
    async (request, reply) => {
      const principal = requireSyncRight(request);
      const { deleted } = await commitGeneration(store, request.params.source, request.params.generation, standing(store, principal)).catch(
        (e: unknown) => {
          throw toHttpError(e);
        },
      );
      return sendCloudapiJson(request, reply, 200, { source: request.params.source, generation: request.params.generation, deleted });
    },
  );
};
