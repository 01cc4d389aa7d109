import type { FastifyReply, FastifyRequest } from 'fastify';
import type { OAuthTokenResponse } from '../../../schemas/wire.js';
import type { Services } from '../../context.js';
import type { OAuthOrgPath } from '../../../auth/api-tokens.js';
import type { OAuthParameters } from '../schemas.js';

/** One module per grant type (node-oidc-provider's habit): what it is called, what it reads, what it does. */
export interface GrantHandler {
  grantType: string;
  parameters: readonly string[];
  handler(ctx: {
    services: Services;
    path: OAuthOrgPath;
    /** The validated parameters (schemas.ts: body and query folded together). */
    params: OAuthParameters;
    request: FastifyRequest;
    /** For headers of the answer (the API token's Tessera-Authentication-Token-Expiration). */
    reply: FastifyReply;
  }): Promise<OAuthTokenResponse>;
}
