/**
 * Sign-in and sessions on the cloudapi (vcd-wire §3.1-3.2):
 *   POST /cloudapi/1.0.0/sessions            tenant sign-in, Basic user@org:password
 *   POST /cloudapi/1.0.0/sessions/provider   System org sign-in (DELETE there: sign-out, as govcd's Disconnect sends)
 *   GET|DELETE /cloudapi/1.0.0/sessions/current, /sessions/{id}; DELETE /sessions (govcd Disconnect)
 *   GET /cloudapi/1.0.0/sessions/{id}/token  the API token a session was made from
 * Second factor: when the user has TOTP enrolled, the same request carries the code in `X-Tessera-TOTP`;
 * without it the answer is 401 TOTP_REQUIRED (after a correct password only).
 */
import { contractValidatorCompiler } from '../contract/validator.js';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { byIdRoute, CloudApiErrors, deleteByIdRoute, listRoute, SessionEntity, SignInHeaders } from './schemas.js';
import { ApiTokenEntity, NO_CONTENT, NOT_FOUND, PageOf } from './responses.js';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { baseUrl, requirePrincipal, sendCloudapiJson } from '../context.js';
import { signInFromRequest } from '../sign-in.js';
import { sessionJson } from './session-entity.js';
import { listPage, type ListFields } from './list-query.js';

type SessionEntity = ReturnType<typeof sessionJson>;
const SESSION_FIELDS: ListFields<SessionEntity> = {
  id: { read: (s) => s.id, type: 'ref' },
  'user.name': { read: (s) => s.user.name },
  'org.name': { read: (s) => s.org.name },
};
import { tokenEntity } from './token-entity.js';
import { forbidden, TesseraError } from '../../domain/errors.js';

export const cloudapiSessionRoutes: FastifyPluginAsync = async (plugin) => {
  const app = plugin.withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(contractValidatorCompiler);
  const services = app.tessera;

  const signIn = (endpoint: 'tenant' | 'provider') => async (request: FastifyRequest, reply: FastifyReply) => {
    const { principal, accessToken } = await signInFromRequest(services, request, endpoint);
    reply.header('X-VMWARE-VCLOUD-ACCESS-TOKEN', accessToken);
    reply.header('X-VMWARE-VCLOUD-TOKEN-TYPE', 'Bearer');
    reply.header('Cache-Control', 'no-store');
    reply.header('Link', `<${baseUrl(request)}/cloudapi/1.0.0/sessions/${principal.sessionId}>;rel="remove";type="application/json"`);
    return sendCloudapiJson(request, reply, 200, sessionJson(principal, services.site, services.config.sessionIdleTimeoutMinutes));
  };
  // The credentials travel in headers (Basic, and X-Tessera-TOTP); a body, if any, is ignored as VCD does.
  const signInRoute = { schema: { headers: SignInHeaders, response: { ...CloudApiErrors, 200: SessionEntity } } };
  app.post('/cloudapi/1.0.0/sessions', signInRoute, signIn('tenant'));
  app.post('/cloudapi/1.0.0/sessions/provider', signInRoute, signIn('provider'));

  app.get(
    '/cloudapi/1.0.0/sessions/current',
    { schema: { response: { ...CloudApiErrors, 200: SessionEntity } } },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      return sendCloudapiJson(request, reply, 200, sessionJson(principal, services.site, services.config.sessionIdleTimeoutMinutes));
    },
  );

  app.get('/cloudapi/1.0.0/sessions', listRoute(PageOf('Session', SessionEntity)), async (request, reply) => {
    const principal = requirePrincipal(request);
    // Only the caller's own session is visible, but the list still honours filter, sort and paging.
    const own = [sessionJson(principal, services.site, services.config.sessionIdleTimeoutMinutes)];
    const page = await listPage(request, reply, own, SESSION_FIELDS, (v) => v, 'Sessions');
    return sendCloudapiJson(request, reply, 200, page);
  });

  const endOwnSession = async (request: FastifyRequest, reply: FastifyReply) => {
    const principal = requirePrincipal(request);
    await services.sessions.signOut(principal, request.ip);
    return reply.code(204).send();
  };
  const signOutRoute = { schema: { response: { ...NO_CONTENT, ...CloudApiErrors } } };
  app.delete('/cloudapi/1.0.0/sessions/current', signOutRoute, endOwnSession);
  // govcd's Disconnect() sends DELETE to the login URL itself (vcd-wire §3.2): the tenants' and the provider's. Until
  // 2026-12-06 the provider's fell to `/sessions/:id` ("provider" is no session id: 403), and govcd's Disconnect of a
  // System administrator failed with the session still alive.
  app.delete('/cloudapi/1.0.0/sessions', signOutRoute, endOwnSession);
  app.delete('/cloudapi/1.0.0/sessions/provider', signOutRoute, endOwnSession);

  /** Only the caller's own session is addressable by id; any other id is 403 as for a missing entity. */
  const ownSession = (request: FastifyRequest & { params: { id: string } }) => {
    const principal = requirePrincipal(request);
    const id = request.params.id.replace(/^urn:vcloud:session:/, '');
    if (id !== principal.sessionId) throw forbidden();
    return principal;
  };
  app.get('/cloudapi/1.0.0/sessions/:id', byIdRoute(SessionEntity), async (request, reply) => {
    const principal = ownSession(request);
    return sendCloudapiJson(request, reply, 200, sessionJson(principal, services.site, services.config.sessionIdleTimeoutMinutes));
  });
  app.delete('/cloudapi/1.0.0/sessions/:id', deleteByIdRoute, async (request, reply) => {
    const principal = ownSession(request);
    await services.sessions.signOut(principal, request.ip);
    return reply.code(204).send();
  });
  const sessionTokenRoute = byIdRoute(ApiTokenEntity);
  const sessionTokenSchema = { ...sessionTokenRoute.schema, response: { ...sessionTokenRoute.schema.response, ...NOT_FOUND } };
  app.get('/cloudapi/1.0.0/sessions/:id/token', { schema: sessionTokenSchema }, async (request, reply) => {
    const principal = ownSession(request);
    if (principal.apiTokenId === null) {
      throw new TesseraError('RESOURCE_NOT_FOUND', 'This session was not created from an API token');
    }
    const row = await services.store.getApiToken(principal.apiTokenId);
    if (!row) throw new TesseraError('RESOURCE_NOT_FOUND', 'The API token of this session no longer exists');
    return sendCloudapiJson(request, reply, 200, await tokenEntity(services, row, request.vcd.responseVersion));
  });
};
