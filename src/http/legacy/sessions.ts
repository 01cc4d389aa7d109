/**
 * Legacy sessions (vcd-wire §3.3-3.4): `POST /api/sessions` (and its 1.5-era alias `/api/login`) with Basic
 * auth, answering Session XML (or VCD JSON for `Accept: application/*+json`) with both the 32-character `x-vcloud-authorization` id and the Bearer access
 * token; `GET /api/session` (pyvcloud's rehydrate) and `DELETE /api/session`.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Principal } from '../../domain/principal.js';
import { baseUrl, requirePrincipal, sendExactJson } from '../context.js';
import { legacySessionJson, sessionXml } from './session-document.js';
import { signInFromRequest } from '../sign-in.js';
import { credentialFromHeaders } from '../../auth/authenticator.js';
import { compareApiVersions } from '../../domain/api-versions.js';
import { TesseraError } from '../../domain/errors.js';
import { vcloudJsonType, vcloudXmlType } from '../xml.js';
import { AnyQuerystring, ApiHeaders, COMMON_ERRORS, NO_CONTENT, TAG, authenticated, documentResponse, errorResponse } from './contract.js';

const SESSION = 'application/vnd.vmware.vcloud.session+xml';

const signInSchema = {
  summary: 'Sign in (Basic user@org:password; X-Tessera-TOTP when the user has a second factor); API versions before 38.0',
  tags: [TAG.sessions],
  security: [{ basicSignIn: [] }],
  querystring: AnyQuerystring,
  headers: Type.Object(
    {
      ...ApiHeaders.properties,
      'x-tessera-totp': Type.Optional(Type.String({ maxLength: 16, description: 'The current TOTP code, for users enrolled in TOTP' })),
    },
    { additionalProperties: true },
  ),
  response: {
    200: {
      ...documentResponse(SESSION, 'The Session; its credentials are in the response headers'),
      headers: {
        'x-vcloud-authorization': Type.String({ description: 'The legacy session id (32 characters)' }),
        'x-vmware-vcloud-access-token': Type.String({ description: 'The Bearer access token of the session' }),
      },
    },
    ...COMMON_ERRORS,
    429: errorResponse('Too many failed sign-ins; retry later'),
  },
};

const sessionSchema = {
  summary: 'The current session',
  tags: [TAG.sessions],
  security: authenticated(),
  querystring: AnyQuerystring,
  headers: ApiHeaders,
  response: {
    200: {
      ...documentResponse(SESSION, 'The Session'),
      headers: {
        'x-vcloud-authorization': Type.Optional(
          Type.String({ description: 'The legacy session id, echoed when the request was made with it (as VCD does; pyvcloud keeps it)' }),
        ),
      },
    },
    ...COMMON_ERRORS,
  },
};

const signOutSchema = {
  summary: 'Sign out: ends this session (and its access token) at once',
  tags: [TAG.sessions],
  security: authenticated(),
  querystring: AnyQuerystring,
  headers: ApiHeaders,
  response: { ...NO_CONTENT, ...COMMON_ERRORS },
};

export const legacySessionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const services = app.tessera;

  /** The Session document: XML, or VCD JSON (with its exact `+json` type) for a JSON client. */
  const sendSession = (request: FastifyRequest, reply: FastifyReply, principal: Principal) => {
    const version = request.vcd.responseVersion;
    if (request.vcd.json) {
      return sendExactJson(reply, vcloudJsonType('session', version), legacySessionJson(principal, services.site, baseUrl(request)));
    }
    return reply.header('content-type', vcloudXmlType('session', version)).send(sessionXml(principal, services.site, baseUrl(request)));
  };

  const signIn = async (request: FastifyRequest, reply: FastifyReply) => {
    // VCD 10.5 (API 38.0) removed this endpoint; older versions keep working.
    if (request.vcd.version !== null && compareApiVersions(request.vcd.version, '38.0') >= 0) {
      throw new TesseraError(
        'NOT_ACCEPTABLE',
        'POST /api/sessions is not supported from API version 38.0 on; use POST /cloudapi/1.0.0/sessions',
      );
    }
    const { principal, accessToken } = await signInFromRequest(services, request, 'any');
    const legacyId = await services.sessions.createLegacySessionId(principal, accessToken);
    reply.header('x-vcloud-authorization', legacyId);
    reply.header('X-VMWARE-VCLOUD-ACCESS-TOKEN', accessToken);
    reply.header('X-VMWARE-VCLOUD-TOKEN-TYPE', 'Bearer');
    reply.header('Cache-Control', 'no-store');
    return sendSession(request, reply.code(200), principal);
  };
  app.post('/api/sessions', { schema: signInSchema }, signIn);
  app.post('/api/login', { schema: { ...signInSchema, summary: `${signInSchema.summary} (VCD 1.5's LoginUrl, an alias)` } }, signIn);

  app.get('/api/session', { schema: sessionSchema }, async (request, reply) => {
    const principal = requirePrincipal(request);
    // VCD answers a request made with the legacy session id with that id in the same header, and pyvcloud's
    // rehydrate_from_token (vcd-cli's `login --session-id`) keeps the id it reads there: without it, vcd-cli saved
    // `token: None` and every later command failed. Only the id the caller sent, and only when it is what signed
    // the request in (a Bearer takes precedence); never stored by a cache.
    const presented = credentialFromHeaders(request.headers);
    if (presented?.kind === 'legacy') reply.header('x-vcloud-authorization', presented.value).header('Cache-Control', 'no-store');
    return sendSession(request, reply, principal);
  });

  app.delete('/api/session', { schema: signOutSchema }, async (request, reply) => {
    const principal = requirePrincipal(request);
    await services.sessions.signOut(principal, request.ip);
    const legacy = request.headers['x-vcloud-authorization'];
    if (typeof legacy === 'string') services.authenticator.forgetLegacy(legacy);
    return reply.code(204).send(null);
  });
};
