import type { FastifyRequest } from 'fastify';
import type { Services } from '../../context.js';
import type { OAuthOrgPath } from '../../../auth/api-tokens.js';

/** One module per grant type (node-oidc-provider's habit): what it is called, what it reads, what it does. */
export interface GrantHandler {
  grantType: string;
  parameters: readonly string[];
  handler(ctx: {
    services: Services;
    path: OAuthOrgPath;
    params: Record<string, string>;
    request: FastifyRequest;
  }): Promise<Record<string, unknown>>;
}
