/**
 * Administration > Service Accounts (VCD 10.4) for holders of "View Service Accounts" / "Manage Service
 * Accounts" in the portal's org (org administrators; the System administrator for the System org):
 *   GET  {base}/administration/serviceAccounts               the list
 *   GET  {base}/administration/serviceAccounts/new           the New form
 *   POST {base}/administration/serviceAccounts               create (as /oauth/.../register with software_id)
 *   GET  {base}/administration/serviceAccounts/{id}          one account: properties, role, revoke, delete
 *   POST {base}/administration/serviceAccounts/{id}/role     change the role (as PUT /serviceAccounts/{id})
 *   GET  {base}/administration/serviceAccounts/{id}/revoke   the confirmation (and /delete)
 *   POST {base}/administration/serviceAccounts/{id}/revoke   every token and session ends
 *   POST {base}/administration/serviceAccounts/{id}/delete
 *   GET  {base}/administration/accessRequests                pending requests and the device lookup form
 *   POST {base}/administration/accessRequests                grant or deny by user code (deviceLookup/grant|deny)
 * Every action goes through ServiceAccountService, so the cloudapi's rules (rights, containment, states) apply
 * here unchanged; its refusals are shown as the page's alert.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PortalDeps } from '../deps.js';
import { plainText } from '../html.js';
import type { SignedInState } from '../portal-session.js';
import { requireSignedIn } from '../portal-session.js';
import { signedInFrame } from '../page-frame.js';
import { inFormWords } from '../form-wording.js';
import { formField, queryField, seeOther, sendPage } from '../respond.js';
import { FORM, PAGE, USER_CODE_FORM, pathIds } from '../responses.js';
import { canManageServiceAccounts, canViewServiceAccounts } from '../access.js';
import { TesseraError, badRequest, forbidden } from '../../../domain/errors.js';
import { can, effectiveRights } from '../../../domain/policy.js';
import { isProviderOnlyRight, SYSTEM_ORG_ID } from '../../../domain/rights.js';
import { visibleStatus, type ServiceAccountRow } from '../../../auth/service-accounts.js';
import {
  accessRequestsPage,
  newServiceAccountPage,
  type NewServiceAccountField,
  serviceAccountConfirmPage,
  serviceAccountPage,
  serviceAccountsPage,
  type Message,
  type RoleOption,
  type ServiceAccountItem,
} from '../views/service-accounts.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const DONE: Record<string, string> = {
  created: 'The service account was created. Its software can now ask for access; grant it under Access Requests.',
  role: 'The role was changed.',
  revoked: 'The service account was revoked: its tokens and sessions ended. It must be authorized again.',
  'request-ended': "The service account's pending authorization request was ended: it has no token yet, and must ask again.",
  deleted: 'The service account was deleted.',
  'nothing-to-revoke': 'The service account has no access to revoke: it has not been authorized since it was created or last revoked.',
  granted: 'The request was granted. The software receives its first token on its next poll.',
  denied: 'The request was denied.',
};

/** The service speaks OAuth and cloudapi field names; the form's user reads labels. */
function formMessage(text: string): string {
  if (text.startsWith('userCode is required')) return 'Enter the user code.';
  return inFormWords(text, {
    client_name: 'The name',
    software_id: 'The software ID',
    software_version: 'The software version',
    client_uri: 'The URI',
  });
}

/** The New form's field a service message is about, by the OAuth or cloudapi name it starts with. */
function fieldOf(text: string): NewServiceAccountField | null {
  if (/^software_id/.test(text)) return 'softwareId';
  if (/^software_version/.test(text)) return 'softwareVersion';
  if (/^client_uri/.test(text)) return 'uri';
  if (/^scope/.test(text)) return 'role';
  return null;
}

/** A refusal worth saying on the form (bad input, a role beyond the user's rights, a request decided meanwhile). */
function formError(error: unknown): TesseraError | null {
  if (!(error instanceof TesseraError)) return null;
  return error.status === 400 || error.status === 403 ? error : null;
}

export function serviceAccountRoutes(app: FastifyInstance, deps: PortalDeps): void {
  const { services } = deps;
  const accounts = services.serviceAccounts;

  const requireView = (request: FastifyRequest): SignedInState => {
    const state = requireSignedIn(request);
    if (!canViewServiceAccounts(state.principal)) throw forbidden('Service accounts need the right "View Service Accounts".');
    return state;
  };
  const requireManage = (request: FastifyRequest): SignedInState => {
    const state = requireView(request);
    if (!canManageServiceAccounts(state.principal)) throw forbidden('This needs the right "Manage Service Accounts".');
    return state;
  };
  const frame = (state: SignedInState) => signedInFrame(state, deps, 'administration');
  const orgName = async (orgId: string) => (orgId === SYSTEM_ORG_ID ? 'System' : ((await services.store.getOrg(orgId))?.name ?? ''));
  const list = `/administration/serviceAccounts`;
  /**
   * The name of an account deleted lately, when the viewer may see its org (from the audit trail: the row is gone).
   * A week back is enough for a stale tab, and bounds the read. A tenant's read is of its own org's events only
   * (the trail's index on org and time), so a made-up id costs a tenant no more than its own trail; the provider's
   * spans every org, as its audit trail does.
   */
  const deletedName = async (state: SignedInState, id: string): Promise<string | null> => {
    if (!UUID.test(id)) return null;
    let query = services.store.db
      .selectFrom('audit_events')
      .select(['org_id', 'details'])
      .where('at', '>=', Date.now() - 7 * 24 * 3600_000)
      .where('event_type', '=', 'serviceAccount.deleted')
      .where('outcome', '=', 'success')
      .where('token_id', '=', id);
    if (state.principal.orgId !== SYSTEM_ORG_ID) query = query.where('org_id', '=', state.principal.orgId);
    const event = await query.executeTakeFirst();
    if (!event?.org_id || !can(state.principal, 'serviceAccount.view', { orgId: event.org_id })) return null;
    try {
      const name = (JSON.parse(event.details) as { name?: unknown }).name;
      return typeof name === 'string' ? name : '';
    } catch {
      return '';
    }
  };
  const done = async (request: FastifyRequest, state: SignedInState): Promise<Message> => {
    const what = queryField(request, 'done');
    // The name comes from the store, for an account the viewer may see; never from the URL.
    if (what === 'already-deleted') {
      const name = await deletedName(state, queryField(request, 'account'));
      if (name === null) return null;
      return { kind: 'success', text: `The service account${name ? plainText` "${name}"` : ''} was already deleted.` };
    }
    const text = DONE[what];
    return text ? { kind: 'success', text } : null;
  };

  const toItems = async (rows: readonly ServiceAccountRow[]): Promise<ServiceAccountItem[]> => {
    const roles = new Map<string, string>();
    for (const row of rows) {
      if (!roles.has(row.role_id)) roles.set(row.role_id, (await services.store.getRole(row.role_id))?.name ?? '');
    }
    return rows.map((row) => {
      let ips: string[] = [];
      try {
        const parsed = JSON.parse(row.last_used_ips) as unknown;
        if (Array.isArray(parsed)) ips = parsed.filter((x): x is string => typeof x === 'string');
      } catch {
        ips = [];
      }
      return {
        id: row.id,
        name: row.name,
        roleId: row.role_id,
        roleName: roles.get(row.role_id) ?? '',
        status: visibleStatus(row),
        softwareId: row.software_id,
        softwareVersion: row.software_version,
        uri: row.client_uri,
        createdAt: Number(row.created_at),
        lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
        authorizedUntil: row.authorized_until === null ? null : Number(row.authorized_until),
        lastIps: ips,
        requestExpiresAt: row.device_expires_at === null ? null : Number(row.device_expires_at),
      };
    });
  };

  /** Roles of `orgId` the user may give an account: every right held (the service checks it again). */
  const assignableRoles = async (state: SignedInState, orgId: string): Promise<RoleOption[]> => {
    const held = effectiveRights(state.principal);
    const tenantOrg = orgId !== SYSTEM_ORG_ID;
    const out: RoleOption[] = [];
    for (const role of await services.store.listRoles(orgId)) {
      const rights = await services.store.roleRights(role.id);
      if (rights.every((r) => (tenantOrg && isProviderOnlyRight(r)) || held.has(r))) out.push({ id: role.id, name: role.name });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  };

  // ------------------------------------------------------------------ the list and New

  app.get(list, { schema: { response: PAGE } }, async (request, reply) => {
    const state = requireView(request);
    const rows = await accounts.listVisible(state.principal, state.principal.orgId);
    return sendPage(
      reply,
      serviceAccountsPage(frame(state), {
        accounts: await toItems(rows),
        orgName: state.principal.orgName,
        canManage: canManageServiceAccounts(state.principal),
        message: await done(request, state),
      }),
    );
  });

  const renderNew = async (
    reply: FastifyReply,
    state: SignedInState,
    values: { name: string; roleId: string; softwareId: string; softwareVersion: string; uri: string },
    error: string | null,
    status = 200,
    errorField: NewServiceAccountField | null = null,
  ) => {
    const roles = await assignableRoles(state, state.principal.orgId);
    return sendPage(reply, newServiceAccountPage(frame(state), { roles, values, error, errorField }), status);
  };

  app.get(`${list}/new`, { schema: { response: PAGE } }, async (request, reply) => {
    const state = requireManage(request);
    return renderNew(reply, state, { name: '', roleId: '', softwareId: '', softwareVersion: '', uri: '' }, null);
  });

  app.post(list, { config: { csrf: 'session' }, schema: { response: FORM } }, async (request, reply) => {
    const state = requireManage(request);
    const values = {
      name: formField(request, 'name').trim(),
      roleId: formField(request, 'role').trim(),
      softwareId: formField(request, 'softwareId').trim(),
      softwareVersion: formField(request, 'softwareVersion').trim(),
      uri: formField(request, 'uri').trim(),
    };
    if (values.name === '') return renderNew(reply, state, values, 'Enter a name for the service account.', 400);
    if (!UUID.test(values.roleId.toLowerCase())) return renderNew(reply, state, values, 'Choose a role.', 400, 'role');
    try {
      const { row } = await accounts.create(
        state.principal,
        state.org.oauthPath,
        {
          name: values.name,
          scope: `urn:vcloud:role:${values.roleId.toLowerCase()}`,
          softwareId: values.softwareId,
          softwareVersion: values.softwareVersion,
          clientUri: values.uri,
        },
        request.ip,
      );
      return seeOther(reply, `${state.org.basePath}${list}/${row.id}?done=created`);
    } catch (error) {
      const refused = formError(error);
      if (!refused) throw error;
      // The field the service names gets the focus and the message (until 2026-12-05 the focus stayed on the name).
      return renderNew(reply, state, values, formMessage(refused.message), refused.status, fieldOf(refused.message));
    }
  });

  // ------------------------------------------------------------------ one account

  /** Missing, another org's and out of reach are the same 403 (the service decides). */
  const load = async (state: SignedInState, id: string) => {
    if (!UUID.test(id)) throw forbidden();
    return accounts.getVisible(state.principal, id);
  };

  const renderAccount = async (reply: FastifyReply, state: SignedInState, row: ServiceAccountRow, message: Message, status = 200) => {
    const [item] = await toItems([row]);
    const canManage = can(state.principal, 'serviceAccount.manage', { orgId: row.org_id });
    const roles = canManage ? await assignableRoles(state, row.org_id) : [];
    // The current role stays selectable even when it is beyond the user's rights (the server refuses a change then).
    if (canManage && !roles.some((r) => r.id === row.role_id)) roles.unshift({ id: row.role_id, name: item!.roleName });
    return sendPage(
      reply,
      serviceAccountPage(frame(state), { account: item!, orgName: await orgName(row.org_id), roles, canManage, message }),
      status,
    );
  };

  /**
   * The page, Revoke, Delete or Save role of an account deleted meanwhile (a second tab, another administrator
   * first), when the viewer may see its org: back to the list, whose notice names it, as a token's revoke does. Until
   * 2026-12-05 this was 403 "Either you need some or all of the following rights...". Anyone else still gets the 403
   * (load).
   */
  const alreadyDeleted = async (state: SignedInState, id: string): Promise<string | null> => {
    if (!UUID.test(id) || (await accounts.get(id))) return null;
    if ((await deletedName(state, id)) === null) return null;
    return `${state.org.basePath}${list}?done=already-deleted&account=${id}`;
  };

  /**
   * The account, as `load` reads it; or, when it is not there to read and was deleted lately in an org the viewer may
   * see, where to go instead (alreadyDeleted). The lookup of a deletion runs only when the read fails.
   */
  const loadOrGone = async (state: SignedInState, id: string) => {
    try {
      return await load(state, id);
    } catch (error) {
      const gone = await alreadyDeleted(state, id);
      if (gone) return gone;
      throw error;
    }
  };

  // The account's page: an old link or tab on an account deleted since returns to the list with that said.
  app.get<{ Params: { id: string } }>(`${list}/:id`, { schema: { params: pathIds('id'), response: PAGE } }, async (request, reply) => {
    const state = requireView(request);
    const row = await loadOrGone(state, request.params.id);
    if (typeof row === 'string') return seeOther(reply, row);
    return renderAccount(reply, state, row, await done(request, state));
  });

  /** An account in CREATED holds no token, session or pending request: a Revoke has nothing to end. */
  const nothingToRevoke = (state: SignedInState, row: ServiceAccountRow) => `${state.org.basePath}${list}/${row.id}?done=nothing-to-revoke`;

  /**
   * The account a confirmation or an action is about, after their checks (visible, and may manage its org), or where
   * to go instead: the list when it was deleted meanwhile, the account's page when a Revoke has nothing to end
   * (revoked already in a second tab, or never authorized: saying "was revoked" again, and auditing a revocation that
   * ended nothing, would tell the administrator something that did not happen).
   */
  const accountToManage = async (state: SignedInState, id: string, what: string): Promise<ServiceAccountRow | string> => {
    const row = await loadOrGone(state, id);
    if (typeof row === 'string') return row;
    if (!can(state.principal, 'serviceAccount.manage', { orgId: row.org_id })) throw forbidden();
    if (what === 'revoke' && row.status === 'CREATED') return nothingToRevoke(state, row);
    return row;
  };

  /** The confirmation of Revoke or Delete, with the POST's checks. */
  for (const what of ['revoke', 'delete'] as const) {
    app.get<{ Params: { id: string } }>(
      `${list}/:id/${what}`,
      { schema: { params: pathIds('id'), response: PAGE } },
      async (request, reply) => {
        const state = requireView(request);
        const row = await accountToManage(state, request.params.id, what);
        if (typeof row === 'string') return seeOther(reply, row);
        const [item] = await toItems([row]);
        return sendPage(reply, serviceAccountConfirmPage(frame(state), { account: item!, orgName: await orgName(row.org_id), what }));
      },
    );
  }

  /** A POST on one account: the action through the service, then back to the account (or the list) with a notice. */
  const accountAction = (
    what: string,
    run: (state: SignedInState, row: ServiceAccountRow, request: FastifyRequest) => Promise<void>,
    after: (base: string, row: ServiceAccountRow) => string,
  ) =>
    app.post<{ Params: { id: string } }>(
      `${list}/:id/${what}`,
      { config: { csrf: 'session' }, schema: { params: pathIds('id'), response: FORM } },
      async (request, reply) => {
        const state = requireView(request);
        const row = await accountToManage(state, request.params.id, what);
        if (typeof row === 'string') return seeOther(reply, row);
        try {
          await run(state, row, request);
        } catch (error) {
          // Deleted by someone else between the two reads: the same answer as above.
          const deletedMeanwhile = await alreadyDeleted(state, row.id);
          if (deletedMeanwhile) return seeOther(reply, deletedMeanwhile);
          const refused = formError(error);
          if (!refused) throw error;
          return renderAccount(
            reply,
            state,
            (await accounts.get(row.id)) ?? row,
            { kind: 'danger', text: formMessage(refused.message) },
            refused.status,
          );
        }
        return seeOther(reply, after(state.org.basePath, row));
      },
    );

  accountAction(
    'role',
    async (state, row, request) => {
      const roleId = formField(request, 'role').trim().toLowerCase();
      if (!UUID.test(roleId)) throw badRequest('Choose a role.');
      await accounts.update(state.principal, row.id, { roleId }, request.ip);
    },
    (base, row) => `${base}${list}/${row.id}?done=role`,
  );
  accountAction(
    'revoke',
    (state, row, request) => accounts.revoke(state.principal, row.id, request.ip),
    // An account still asking (REQUESTED) or granted but not yet polled (GRANTED) has no token to end: say what ended.
    (base, row) => `${base}${list}/${row.id}?done=${row.status === 'ACTIVE' ? 'revoked' : 'request-ended'}`,
  );
  accountAction(
    'delete',
    (state, row, request) => accounts.remove(state.principal, row.id, request.ip),
    (base) => `${base}${list}?done=deleted`,
  );

  // ------------------------------------------------------------------ access requests (device lookup)

  const renderRequests = async (reply: FastifyReply, state: SignedInState, userCode: string, message: Message, status = 200) => {
    const now = Date.now();
    const rows = (await accounts.listVisible(state.principal, state.principal.orgId)).filter(
      (row) => row.status === 'REQUESTED' && row.device_expires_at !== null && Number(row.device_expires_at) > now,
    );
    return sendPage(
      reply,
      accessRequestsPage(frame(state), {
        pending: await toItems(rows),
        orgName: state.principal.orgName,
        canManage: canManageServiceAccounts(state.principal),
        userCode,
        message,
      }),
      status,
    );
  };

  app.get('/administration/accessRequests', { schema: { response: PAGE } }, async (request, reply) => {
    const state = requireView(request);
    return renderRequests(reply, state, '', await done(request, state));
  });

  app.post(
    '/administration/accessRequests',
    { config: { csrf: 'session' }, schema: { response: USER_CODE_FORM } },
    async (request, reply) => {
      const state = requireManage(request);
      const userCode = formField(request, 'userCode').trim();
      const decision = formField(request, 'decision');
      if (decision !== 'grant' && decision !== 'deny') {
        return renderRequests(reply, state, userCode, { kind: 'danger', text: 'Choose Grant or Deny.' }, 400);
      }
      // The user's budget of user codes, the one /cloudapi/1.0.0/deviceLookup counts against (RFC 8628 §5.1): until
      // 2026-12-07 this form decided without it, so a script holding a portal session could guess among the 20^8 codes
      // without limit and grant a pending request it was never shown.
      const wait = services.limits.userCodes.hit(state.principal.userId);
      if (wait > 0) {
        reply.header('retry-after', String(wait));
        return renderRequests(
          reply,
          state,
          userCode,
          { kind: 'danger', text: `Too many user codes tried. Try again in ${wait} seconds.` },
          429,
        );
      }
      try {
        await accounts.decide(state.principal, state.principal.orgId, userCode, decision === 'grant', request.ip);
      } catch (error) {
        const refused = formError(error);
        if (!refused) throw error;
        return renderRequests(reply, state, userCode, { kind: 'danger', text: formMessage(refused.message) }, refused.status);
      }
      return seeOther(reply, `${state.org.basePath}/administration/accessRequests?done=${decision === 'grant' ? 'granted' : 'denied'}`);
    },
  );
}
