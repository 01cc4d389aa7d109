/** `GET /api/versions`: unauthenticated, XML by default, JSON on request (vcd-wire §2). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { SUPPORTED_API_VERSIONS, compareApiVersions } from '../../domain/api-versions.js';
import { baseUrl, sendJson } from '../context.js';
import { VERSIONS_NS, xmlDocument } from '../xml.js';
import { AnyQuerystring, ApiHeaders, TAG, errorResponse } from './contract.js';

const versionsSchema = {
  summary: 'The API versions this server speaks, and where to sign in for each',
  tags: [TAG.versions],
  security: [],
  querystring: AnyQuerystring,
  headers: ApiHeaders,
  response: {
    200: {
      description: 'SupportedVersions (XML), or its JSON form for Accept: application/*+json',
      content: {
        'application/*+xml': { schema: Type.String({ description: 'The SupportedVersions XML document' }) },
        'application/json': {
          schema: Type.Object(
            {
              versionInfo: Type.Array(
                Type.Object(
                  {
                    deprecated: Type.Boolean(),
                    version: Type.String(),
                    loginUrl: Type.String(),
                    providerLoginUrl: Type.Union([Type.String(), Type.Null()]),
                  },
                  { additionalProperties: true },
                ),
              ),
              schemaRoot: Type.String(),
            },
            { additionalProperties: true },
          ),
        },
      },
    },
    400: errorResponse('Malformed request'),
    406: errorResponse('The Accept header asks for an API version Tessera does not serve'),
  },
};

export const legacyVersionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/api/versions', { schema: versionsSchema }, async (request, reply) => {
    const base = baseUrl(request);
    // Its LoginUrls are made from the request's Host without --public-url: no cache in front may keep one client's
    // answer for another (govcd posts the password to the LoginUrl it read here).
    if (!request.server.tessera.config.publicUrl) reply.header('Cache-Control', 'no-store');
    const entries = SUPPORTED_API_VERSIONS.map((v) => {
      // From 36.0 on, sign-in is the cloudapi session endpoint (govcd logs in at the pinned version's LoginUrl).
      const modern = compareApiVersions(v.version, '36.0') >= 0;
      return {
        version: v.version,
        deprecated: v.deprecated,
        loginUrl: modern ? `${base}/cloudapi/1.0.0/sessions` : `${base}/api/sessions`,
        providerLoginUrl: modern ? `${base}/cloudapi/1.0.0/sessions/provider` : null,
      };
    });
    if (request.vcd.json) {
      return sendJson(reply, 200, 'application/json', {
        versionInfo: entries.map((e) => ({
          deprecated: e.deprecated,
          version: e.version,
          loginUrl: e.loginUrl,
          providerLoginUrl: e.providerLoginUrl,
          mediaTypeMapping: [],
        })),
        schemaRoot: `${base}/api/v1.5/schema/`,
        alphaVersion: null,
        any: [],
        otherAttributes: {},
      });
    }
    const body = xmlDocument(
      'SupportedVersions',
      {
        VersionInfo: entries.map((e) => ({
          '@_deprecated': String(e.deprecated),
          Version: e.version,
          LoginUrl: e.loginUrl,
          ...(e.providerLoginUrl ? { ProviderLoginUrl: e.providerLoginUrl } : {}),
        })),
        SchemaRoot: `${base}/api/v1.5/schema/`,
      },
      VERSIONS_NS,
    );
    return reply.header('content-type', `application/*+xml;version=${request.vcd.responseVersion}`).send(body);
  });
};
