/**
 * Administration > Users (issue 14 §2), for org administrators (their org) and the System administrator (every
 * org, at /provider):
 *   GET  {base}/administration/users[?search=&page=]       the users in reach, searched and paged in SQL
 *   GET  {base}/administration/users/new[?org=]            New user (the provider picks the org first)
 *   POST {base}/administration/users                       create (IdentityAdmin.createUser)
 *   GET  {base}/administration/users/{id}                  one user: properties and actions
 *   GET  {base}/administration/users/{id}/disable|reset-two-factor   the confirmation (what is lost for good)
 *   POST {base}/administration/users/{id}/disable|enable|unlock|reset-two-factor|password
 * Seeing needs "Group / User: View" (usersScope); acting goes through IdentityAdmin, the same rules as the XML
 * admin API and the cloudapi (user.manage in the user's org, and holding every right of the user's role). A user
 * out of reach, of another org or missing is the same 403, whatever the URL says.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import type { PortalDeps } from '../deps.js';
import type { User } from '../../../store/store.js';
import { requireSignedIn, type SignedInState } from '../portal-session.js';
import { signedInFrame } from '../page-frame.js';
import { inFormWords } from '../form-wording.js';
import { seeOther, sendPage } from '../respond.js';
import { FORM, PAGE } from '../responses.js';
import { TesseraError, forbidden } from '../../../domain/errors.js';
import { lockedUntil, shownLockUntil } from '../../../domain/account-lock.js';
import { canManageUsersOf, usersScope } from '../access.js';
import { listUsersPage, liveTokenCounts, type UserScope } from '../user-queries.js';
import {
  newUserPage,
  userConfirmPage,
  userDetailPage,
  usersPage,
  USER_DONE_NOTICES,
  type NewUserField,
  type PasswordFormError,
  type NewUserValues,
  type UserConfirmAction,
  type UserDetail,
} from '../views/user-admin.js';

const UUID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
const MAX_PAGE = 1_000_000;
const Csrf = Type.Optional(Type.String({ maxLength: 200 }));

const UserListQuery = Type.Object({
  search: Type.Optional(Type.String({ maxLength: 128 })),
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE })),
  done: Type.Optional(Type.String({ maxLength: 40 })),
});
const NewUserQuery = Type.Object({ org: Type.Optional(Type.String({ maxLength: 128 })) });
const UserParams = Type.Object({ userId: Type.String({ pattern: UUID_PATTERN }) });
const UserPageQuery = Type.Object({ done: Type.Optional(Type.String({ maxLength: 40 })) });
// Fields are optional here so that authorization and CSRF are decided first; the handler says what is missing.
const NewUserBody = Type.Object({
  _csrf: Csrf,
  org: Type.Optional(Type.String({ maxLength: 128 })),
  name: Type.Optional(Type.String({ maxLength: 128 })),
  fullName: Type.Optional(Type.String({ maxLength: 256 })),
  email: Type.Optional(Type.String({ maxLength: 256 })),
  role: Type.Optional(Type.String({ maxLength: 64 })),
  password: Type.Optional(Type.String({ maxLength: 256 })),
  confirmPassword: Type.Optional(Type.String({ maxLength: 256 })),
});
const ActionBody = Type.Object({ _csrf: Csrf });
const PasswordBody = Type.Object({
  _csrf: Csrf,
  newPassword: Type.Optional(Type.String({ maxLength: 256 })),
  confirmPassword: Type.Optional(Type.String({ maxLength: 256 })),
});

export function userAdminRoutes(app: FastifyInstance, deps: PortalDeps): void {
  const { services } = deps;
  const { store } = services;

  const requireUsers = (request: FastifyRequest): { state: SignedInState; scope: UserScope } => {
    const state = requireSignedIn(request);
    const scope = usersScope(state.principal);
    if (!scope) throw forbidden('Users needs the right "Group / User: View".');
    return { state, scope };
  };

  /** The user the path names, when in reach; anything else is the same 403. */
  const userInReach = async (request: FastifyRequest, userId: string) => {
    const { state, scope } = requireUsers(request);
    const user = await store.getUser(userId);
    if (!user || (scope.kind === 'org' && user.org_id !== scope.orgId)) throw forbidden();
    return { state, scope, user };
  };

  const detailOf = async (user: User, state: SignedInState): Promise<UserDetail> => {
    const [org, role, tokens] = await Promise.all([
      store.getOrg(user.org_id),
      store.getRole(user.role_id),
      liveTokenCounts(services, [user.id]),
    ]);
    const now = Date.now();
    // A lock of either kind: the org's lockout (stored), or this node's brake after repeated failed sign-ins in an
    // org without one (in memory), which refuses the right password too; Unlock ends both.
    const locked = shownLockUntil(lockedUntil(user, now), services.sessions.failedSignInPauseUntil(user.name, org?.name ?? '', now));
    return {
      id: user.id,
      name: user.name,
      fullName: user.full_name,
      email: user.email,
      orgId: user.org_id,
      orgName: org?.name ?? '',
      roleName: role?.name ?? '',
      enabled: user.is_enabled === 1,
      twoFactor: user.totp_enabled === 1,
      lockedUntil: locked,
      liveTokens: tokens.get(user.id) ?? 0,
      createdAt: Number(user.created_at),
      self: user.id === state.principal.userId,
    };
  };

  const renderDetail = async (
    reply: FastifyReply,
    state: SignedInState,
    user: User,
    message: { notice?: string | null; error?: string | null; passwordError?: PasswordFormError | null },
    status = 200,
  ) =>
    sendPage(
      reply,
      userDetailPage(signedInFrame(state, deps), {
        user: await detailOf(user, state),
        canManage: canManageUsersOf(state.principal, user.org_id),
        notice: message.notice ?? null,
        error: message.error ?? null,
        passwordError: message.passwordError ?? null,
      }),
      status,
    );

  app.get<{ Querystring: Static<typeof UserListQuery> }>(
    '/administration/users',
    { schema: { querystring: UserListQuery, response: PAGE } },
    async (request, reply) => {
      const { state, scope } = requireUsers(request);
      const search = (request.query.search ?? '').trim();
      const page = request.query.page ?? 1;
      const { items, total } = await listUsersPage(services, scope, { search, page });
      return sendPage(
        reply,
        usersPage(signedInFrame(state, deps), {
          users: items,
          total,
          page,
          search,
          allOrgs: scope.kind === 'all',
          canCreate: canManageUsersOf(state.principal, state.principal.orgId),
          notice: USER_DONE_NOTICES[request.query.done ?? ''] ?? null,
        }),
      );
    },
  );

  /** The org a new user goes into: the admin's own, or for the provider the one named (by name). */
  const targetOrg = async (state: SignedInState, scope: UserScope, orgName: string) => {
    if (scope.kind === 'org') return store.getOrg(scope.orgId);
    return orgName === '' ? undefined : store.getOrgByName(orgName);
  };

  const renderNewUser = async (
    reply: FastifyReply,
    state: SignedInState,
    scope: UserScope,
    values: NewUserValues,
    error: string | null,
    status: number,
    errorField: NewUserField | null = null,
  ) => {
    const org = await targetOrg(state, scope, values.org);
    const orgNames = scope.kind === 'all' ? (await store.listOrgs()).map((o) => o.name).sort((a, b) => a.localeCompare(b)) : null;
    const roles = org
      ? (await store.listRoles(org.id)).map((r) => ({ id: r.id, name: r.name })).sort((a, b) => a.name.localeCompare(b.name))
      : [];
    const shown = scope.kind === 'all' && !org ? { ...values, org: '' } : values;
    return sendPage(reply, newUserPage(signedInFrame(state, deps), { orgNames, roles, values: shown, error, errorField }), status);
  };

  app.get<{ Querystring: Static<typeof NewUserQuery> }>(
    '/administration/users/new',
    { schema: { querystring: NewUserQuery, response: PAGE } },
    async (request, reply) => {
      const { state, scope } = requireUsers(request);
      const org = await targetOrg(state, scope, request.query.org ?? '');
      if (org && !canManageUsersOf(state.principal, org.id))
        throw forbidden('Creating users needs the right "Organization: Manage Users".');
      if (!org && scope.kind === 'org') throw forbidden();
      const roles = org ? await store.listRoles(org.id) : [];
      const defaultRole = roles.find((r) => r.name === 'vApp User') ?? roles[0];
      return renderNewUser(
        reply,
        state,
        scope,
        { org: org && scope.kind === 'all' ? org.name : '', name: '', fullName: '', email: '', roleId: defaultRole?.id ?? '' },
        null,
        200,
      );
    },
  );

  app.post<{ Body: Static<typeof NewUserBody> }>(
    '/administration/users',
    { schema: { body: NewUserBody, response: FORM }, config: { csrf: 'session' } },
    async (request, reply) => {
      const { state, scope } = requireUsers(request);
      const body = request.body;
      const org = await targetOrg(state, scope, (body.org ?? '').trim());
      if (!org) {
        if (scope.kind === 'org') throw forbidden();
        return renderNewUser(reply, state, scope, emptyValues(), 'Choose an organization.', 400);
      }
      if (!canManageUsersOf(state.principal, org.id)) throw forbidden('Creating users needs the right "Organization: Manage Users".');
      const values: NewUserValues = {
        org: scope.kind === 'all' ? org.name : '',
        name: (body.name ?? '').trim(),
        fullName: (body.fullName ?? '').trim(),
        email: (body.email ?? '').trim(),
        roleId: body.role ?? '',
      };
      const fail = (message: string, status = 400, field: NewUserField | null = null) =>
        renderNewUser(reply, state, scope, values, message, status, field);
      if (values.name === '') return fail('Enter a user name.', 400, 'name');
      if ((body.password ?? '') === '') return fail('Enter a password.', 400, 'password');
      if (body.password !== body.confirmPassword) return fail('The two passwords are not the same.', 400, 'confirmPassword');
      try {
        const user = await services.identityAdmin.createUser(
          state.principal,
          {
            orgId: org.id,
            name: values.name,
            password: body.password!,
            roleId: values.roleId,
            fullName: values.fullName,
            email: values.email,
          },
          request.ip,
        );
        return seeOther(reply, `${state.org.basePath}/administration/users/${user.id}?done=created`);
      } catch (error) {
        if (error instanceof TesseraError && error.status < 500) {
          return fail(formWording(error.message), error.status === 403 ? 403 : 400, newUserFieldOf(error.message));
        }
        throw error;
      }
    },
  );

  app.get<{ Params: Static<typeof UserParams>; Querystring: Static<typeof UserPageQuery> }>(
    '/administration/users/:userId',
    { schema: { params: UserParams, querystring: UserPageQuery, response: PAGE } },
    async (request, reply) => {
      const { state, user } = await userInReach(request, request.params.userId);
      return renderDetail(reply, state, user, { notice: USER_DONE_NOTICES[request.query.done ?? ''] ?? null });
    },
  );

  /**
   * The confirmation of an action that cannot be undone, with the POST's own checks (in reach, may manage the user's
   * org). One's own account, a user already disabled or without two-factor: nothing to confirm, back to the user's
   * page (which says why there is no such button).
   */
  const confirmation = (what: UserConfirmAction) =>
    app.get<{ Params: Static<typeof UserParams> }>(
      `/administration/users/:userId/${what}`,
      { schema: { params: UserParams, response: PAGE } },
      async (request, reply) => {
        const { state, user } = await userInReach(request, request.params.userId);
        if (!canManageUsersOf(state.principal, user.org_id))
          throw forbidden('Changing users needs the right "Organization: Manage Users".');
        const detail = await detailOf(user, state);
        const pointless = detail.self || (what === 'disable' ? !detail.enabled : !detail.twoFactor);
        if (pointless) return seeOther(reply, `${state.org.basePath}/administration/users/${user.id}`);
        return sendPage(reply, userConfirmPage(signedInFrame(state, deps), { user: detail, what }));
      },
    );
  confirmation('disable');
  confirmation('reset-two-factor');

  /** One POST per action; a refusal (403, or the service's 400) is the user's page with the reason. */
  const action = (
    path: string,
    done: string,
    run: (state: SignedInState, user: User, request: FastifyRequest) => Promise<string | null | void>,
    body: typeof ActionBody | typeof PasswordBody = ActionBody,
  ) =>
    app.post<{ Params: Static<typeof UserParams> }>(
      `/administration/users/:userId/${path}`,
      { schema: { params: UserParams, body, response: FORM }, config: { csrf: 'session' } },
      async (request, reply) => {
        const { state, user } = await userInReach(request, request.params.userId);
        if (!canManageUsersOf(state.principal, user.org_id))
          throw forbidden('Changing users needs the right "Organization: Manage Users".');
        // Set password's errors stand in its own form, at the field they are about (docs/portal.md, Keyboard); until
        // 2026-12-05 they were an alert at the top of the page, far above the form, in the API's words.
        const asMessage = (text: string, field: PasswordFormError['field'] = 'newPassword') =>
          path === 'password' ? { passwordError: { message: formWording(text), field } } : { error: text };
        try {
          const problem = await run(state, user, request);
          if (problem) {
            const field = problem === 'The two passwords are not the same.' ? 'confirmPassword' : 'newPassword';
            return renderDetail(reply, state, user, asMessage(problem, field), 400);
          }
        } catch (error) {
          if (error instanceof TesseraError && error.status < 500 && error.status !== 401) {
            return renderDetail(
              reply,
              state,
              (await store.getUser(user.id)) ?? user,
              error.status === 403 ? { error: error.message } : asMessage(error.message),
              error.status === 403 ? 403 : 400,
            );
          }
          throw error;
        }
        return seeOther(reply, `${state.org.basePath}/administration/users/${user.id}?done=${done}`);
      },
    );

  action('disable', 'disabled', async (state, user, request) => {
    await services.identityAdmin.updateUser(state.principal, user, { enabled: false }, {}, request.ip);
  });
  action('enable', 'enabled', async (state, user, request) => {
    await services.identityAdmin.updateUser(state.principal, user, { enabled: true }, {}, request.ip);
  });
  action('unlock', 'unlocked', async (state, user, request) => {
    await services.identityAdmin.unlockUser(state.principal, user, request.ip);
  });
  action('reset-two-factor', 'two-factor-reset', async (state, user, request) => {
    await services.identityAdmin.resetTwoFactor(state.principal, user, request.ip);
  });
  action(
    'password',
    'password-set',
    async (state, user, request) => {
      const body = request.body as Static<typeof PasswordBody>;
      if (user.id === state.principal.userId) return 'Change your own password in User preferences.';
      if ((body.newPassword ?? '') === '') return 'Enter the new password.';
      if (body.newPassword !== body.confirmPassword) return 'The two passwords are not the same.';
      // UserService.update through IdentityAdmin: the password rules, and every session of the user ends.
      await services.identityAdmin.updateUser(state.principal, user, { password: body.newPassword! }, {}, request.ip);
      return null;
    },
    PasswordBody,
  );
}

function emptyValues(): NewUserValues {
  return { org: '', name: '', fullName: '', email: '', roleId: '' };
}

/** The New user field a service message is about, by the words it begins with (the user name by default). */
function newUserFieldOf(message: string): NewUserField | null {
  if (/^(the )?password/i.test(message)) return 'password';
  if (/^(the )?role/i.test(message)) return 'role';
  if (/^(the )?e-?mail/i.test(message)) return 'email';
  if (/^(the )?full ?name/i.test(message)) return 'fullName';
  return null;
}

/** A service message in the form's words: the API names fields as its wire does ("password must be at least 8"). */
function formWording(message: string): string {
  if (/^password must be at (least|most) \d+ characters\.?$/i.test(message)) return 'The password must be 8 to 256 characters.';
  // domain/user-name.ts names the fields as the API does: until 2026-12-05 New user said "FullName", "Email", "Name".
  return inFormWords(message, { FullName: 'The full name', Email: 'The email', Name: 'The user name' });
}
