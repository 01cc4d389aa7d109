/**
 * Administration > Organizations, the provider's view (issue 12 §1), at /provider only (policy `org.manage`):
 *   GET  /provider/administration/orgs[?search=&page=]      the orgs with their users, VDCs and VMs, searched and paged in SQL
 *   GET  /provider/administration/orgs/new, POST .../orgs    create (OrgAdmin.create: predefined roles copied)
 *   GET  /provider/administration/orgs/{id}                  properties, users, token policy, disable/enable, delete
 *   POST /provider/administration/orgs/{id}/disable|enable|delete|tokenPolicy
 * OrgAdmin holds the rules, the same as /api/admin/org: disabling ends the org's sessions; deleting needs the
 * org disabled and refuses while it holds users, VDCs or vApps unless `recursive` (deployed vApps: `force`).
 * The portal adds one guard of its own: the org's name must be typed to confirm a delete.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import type { PortalDeps } from '../deps.js';
import type { Org } from '../../../store/store.js';
import { requireSignedIn, type SignedInState } from '../portal-session.js';
import { signedInFrame } from '../page-frame.js';
import { sentence } from '../views/components.js';
import { inFormWords } from '../form-wording.js';
import { seeOther, sendPage } from '../respond.js';
import { FORM, PAGE } from '../responses.js';
import { TesseraError, forbidden } from '../../../domain/errors.js';
import { canManageOrgs } from '../access.js';
import { MAX_POLICY_DAYS } from '../../../auth/api-token-policy.js';
import { SYSTEM_ORG_ID } from '../../../domain/rights.js';
import { listUsersPage } from '../user-queries.js';
import { listOrgsPage, orgCounts, type OrgCounts } from '../org-queries.js';
import {
  newOrgPage,
  orgDetailPage,
  orgsPage,
  ORG_DONE_NOTICES,
  type NewOrgField,
  type OrgItem,
  type OrgPageError,
} from '../views/admin-more.js';
import { PolicyBody, policyChangeOf, refusedPolicyForm, savedPolicyForm } from './token-policy.js';

const MAX_PAGE = 1_000_000;
const UUID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
const Csrf = Type.Optional(Type.String({ maxLength: 200 }));
const OrgParams = Type.Object({ id: Type.String({ pattern: UUID_PATTERN }) });
const DoneQuery = Type.Object({ done: Type.Optional(Type.String({ maxLength: 40 })) });
// As the Users list's (user-admin.ts): a page out of range or a search too long is the portal's 400.
const OrgListQuery = Type.Object({
  search: Type.Optional(Type.String({ maxLength: 128 })),
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE })),
  done: Type.Optional(Type.String({ maxLength: 40 })),
});
const NewOrgBody = Type.Object({
  _csrf: Csrf,
  name: Type.Optional(Type.String({ maxLength: 128 })),
  fullName: Type.Optional(Type.String({ maxLength: 1024 })),
  description: Type.Optional(Type.String({ maxLength: 1024 })),
});
const ActionBody = Type.Object({ _csrf: Csrf });
const DeleteBody = Type.Object({
  _csrf: Csrf,
  confirmName: Type.Optional(Type.String({ maxLength: 128 })),
  recursive: Type.Optional(Type.String({ maxLength: 8 })),
  force: Type.Optional(Type.String({ maxLength: 8 })),
});
const ORG_PAGE_USERS = 50;

export function organizationRoutes(app: FastifyInstance, deps: PortalDeps): void {
  const { services } = deps;
  const { store } = services;

  const requireProvider = (request: FastifyRequest) => {
    const state = requireSignedIn(request);
    if (!canManageOrgs(state.principal)) throw forbidden("Organizations are the System administrator's.");
    return state;
  };
  /**
   * The org a page or action is about, or, when it no longer exists, where to go instead: the list, which says so.
   * Only the provider reaches here (requireProvider), and it sees every org: a missing one tells it nothing it could
   * not list. Until 2026-12-05 a page or a Delete from a tab left open on an org deleted since was a 403 "you need
   * some or all of the following rights".
   */
  const orgOrGone = async (request: FastifyRequest, id: string) => {
    const state = requireProvider(request);
    const org = await store.getOrg(id);
    return { state, org: org ?? null, gone: `${state.org.basePath}/administration/orgs?done=gone` };
  };

  const itemOf = (o: Org, c: OrgCounts): OrgItem => ({
    id: o.id,
    name: o.name,
    fullName: o.full_name,
    enabled: o.is_enabled === 1,
    system: o.id === SYSTEM_ORG_ID,
    users: c.users.get(o.id) ?? 0,
    vdcs: c.vdcs.get(o.id) ?? 0,
    vms: c.vms.get(o.id) ?? 0,
  });

  app.get<{ Querystring: Static<typeof OrgListQuery> }>(
    '/administration/orgs',
    { schema: { querystring: OrgListQuery, response: PAGE } },
    async (request, reply) => {
      const state = requireProvider(request);
      const search = (request.query.search ?? '').trim();
      const page = request.query.page ?? 1;
      const { total, orgs, counts } = await listOrgsPage(services, { search, page });
      return sendPage(
        reply,
        orgsPage(signedInFrame(state, deps), {
          orgs: orgs.map((o) => itemOf(o, counts)),
          total,
          page,
          search,
          notice: ORG_DONE_NOTICES[request.query.done ?? ''] ?? null,
        }),
      );
    },
  );

  app.get('/administration/orgs/new', { schema: { response: PAGE } }, async (request, reply) => {
    const state = requireProvider(request);
    return sendPage(reply, newOrgPage(signedInFrame(state, deps), { values: { name: '', fullName: '', description: '' }, error: null }));
  });

  app.post<{ Body: Static<typeof NewOrgBody> }>(
    '/administration/orgs',
    { schema: { body: NewOrgBody, response: FORM }, config: { csrf: 'session' } },
    async (request, reply) => {
      const state = requireProvider(request);
      const values = {
        name: (request.body.name ?? '').trim(),
        fullName: (request.body.fullName ?? '').trim(),
        description: (request.body.description ?? '').trim(),
      };
      try {
        const org = await services.orgAdmin.create(
          state.principal,
          { name: values.name, fullName: values.fullName || values.name, description: values.description, enabled: true },
          request.ip,
        );
        return seeOther(reply, `${state.org.basePath}/administration/orgs/${org.id}?done=created`);
      } catch (error) {
        if (!(error instanceof TesseraError) || error.status >= 500 || error.status === 401 || error.status === 403) throw error;
        const { field, text } = newOrgError(error.message);
        return sendPage(reply, newOrgPage(signedInFrame(state, deps), { values, error: text, errorField: field }), 400);
      }
    },
  );

  const renderDetail = async (
    reply: FastifyReply,
    state: SignedInState,
    org: Org,
    notice: string | null,
    error: OrgPageError | null,
    status = 200,
  ) => {
    const c = await orgCounts(services, [org.id]);
    const contents = await store.countOrgContents(org.id);
    const { items, total } = await listUsersPage(
      services,
      { kind: 'org', orgId: org.id },
      { search: '', page: 1, pageSize: ORG_PAGE_USERS },
    );
    return sendPage(
      reply,
      orgDetailPage(signedInFrame(state, deps), {
        org: {
          ...itemOf(org, c),
          description: org.description,
          deployedVapps: contents.deployedVapps,
        },
        policyForm: error?.form === 'tokenPolicy' ? error.policyForm : savedPolicyForm(services, org),
        users: items.map((u) => ({ id: u.id, name: u.name, fullName: u.fullName, roleName: u.roleName, enabled: u.enabled })),
        usersTotal: total,
        notice,
        error,
      }),
      status,
    );
  };

  app.get<{ Params: Static<typeof OrgParams>; Querystring: Static<typeof DoneQuery> }>(
    '/administration/orgs/:id',
    { schema: { params: OrgParams, querystring: DoneQuery, response: PAGE } },
    async (request, reply) => {
      const { state, org, gone } = await orgOrGone(request, request.params.id);
      if (!org) return seeOther(reply, gone);
      return renderDetail(reply, state, org, ORG_DONE_NOTICES[request.query.done ?? ''] ?? null, null);
    },
  );

  /**
   * A POST on one org; the service's 400 is the org's page with the reason in the card of the form that was sent
   * (`refused` says which, and the field), and nothing changed.
   */
  const action = <B extends typeof ActionBody | typeof DeleteBody | typeof PolicyBody>(
    path: string,
    body: B,
    run: (state: SignedInState, org: Org, body: Static<B>, request: FastifyRequest) => Promise<string>,
    refused: (message: string, body: Static<B>, org: Org) => OrgPageError = (text) => ({ form: 'state', text }),
  ) =>
    app.post<{ Params: Static<typeof OrgParams>; Body: Static<B> }>(
      `/administration/orgs/:id/${path}`,
      { schema: { params: OrgParams, body, response: FORM }, config: { csrf: 'session' } },
      async (request, reply) => {
        const { state, org, gone } = await orgOrGone(request, request.params.id);
        if (!org) return seeOther(reply, gone);
        let next: string;
        try {
          next = await run(state, org, request.body as Static<B>, request);
        } catch (error) {
          if (!(error instanceof TesseraError) || error.status !== 400) throw error;
          return renderDetail(
            reply,
            state,
            (await store.getOrg(org.id)) ?? org,
            null,
            refused(error.message, request.body as Static<B>, org),
            400,
          );
        }
        return seeOther(reply, next);
      },
    );

  const detailUrl = (state: SignedInState, org: Org, done: string) => `${state.org.basePath}/administration/orgs/${org.id}?done=${done}`;

  action('disable', ActionBody, async (state, org, _body, request) => {
    await services.orgAdmin.setEnabled(state.principal, org, false, request.ip);
    return detailUrl(state, org, 'disabled');
  });
  action('enable', ActionBody, async (state, org, _body, request) => {
    await services.orgAdmin.setEnabled(state.principal, org, true, request.ip);
    return detailUrl(state, org, 'enabled');
  });
  action(
    'delete',
    DeleteBody,
    async (state, org, body, request) => {
      if ((body.confirmName ?? '').trim() !== org.name) {
        throw new TesseraError('BAD_REQUEST', `Type the organization's name, ${org.name}, to confirm the delete.`);
      }
      await services.orgAdmin.delete(state.principal, org, { recursive: body.recursive === 'on', force: body.force === 'on' }, request.ip);
      return `${state.org.basePath}/administration/orgs?done=deleted`;
    },
    (message, body) => ({
      form: 'delete',
      ...deleteError(message),
      typed: (body.confirmName ?? '').trim(),
      recursive: body.recursive === 'on',
      force: body.force === 'on',
    }),
  );
  action(
    'tokenPolicy',
    PolicyBody,
    async (state, org, body, request) => {
      await services.apiTokenPolicy.change(state.principal, org, policyChangeOf(body), request.ip);
      return detailUrl(state, org, 'policy-saved');
    },
    (_message, body, org) => {
      const refused = refusedPolicyForm(services, org, body);
      return { form: 'tokenPolicy', text: refused.text, policyForm: refused.form };
    },
  );
}

/** The organization service speaks the API's field names; the form's user reads its labels. */
function newOrgError(message: string): { field: NewOrgField; text: string } {
  const field = message.startsWith('FullName') ? 'fullName' : message.startsWith('Description') ? 'description' : 'name';
  return { field, text: inFormWords(message, { FullName: 'The full name', Description: 'The description' }) };
}

/**
 * A refused delete in the form's words, on the field that would have let it through: the name typed, or a box. None
 * for a refusal no field answers (an org still enabled: Disable first); the name field then only takes the focus.
 */
function deleteError(message: string): { field: 'confirmName' | 'recursive' | 'force' | null; text: string } {
  if (/pass recursive=true/.test(message)) {
    return {
      field: 'recursive',
      text: message.replace(
        /; delete them first or pass recursive=true$/,
        ': tick "Also delete its users, VDCs and vApps" to delete them with it.',
      ),
    };
  }
  if (/pass force=true/.test(message)) {
    return {
      field: 'force',
      text: message.replace(/; pass force=true to delete them too$/, ': tick "Also delete deployed vApps" to delete them too.'),
    };
  }
  return { field: message.startsWith("Type the organization's name") ? 'confirmName' : null, text: sentence(message) };
}
