/** `GET /api/versions`: unauthenticated, XML by default, JSON on request (vcd-wire §2). */
import type { FastifyPluginAsync } from 'fastify';
import { SUPPORTED_API_VERSIONS, compareApiVersions } from '../../domain/api-versions.js';
import { baseUrl, jsonBytes } from '../context.js';
import { VERSIONS_NS, xmlDocument } from '../xml.js';

export const legacyVersionRoutes: FastifyPluginAsync = async (app) => {
  app.get('/api/versions', async (request, reply) => {
    const base = baseUrl(request);
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
      return reply.header('content-type', 'application/json').send(
        jsonBytes({
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
        }),
      );
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
