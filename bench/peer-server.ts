/**
 * The peer for `npm run bench -- exchange|peer` (issue 16 §2): node-oidc-provider (npm `oidc-provider`, a dev
 * dependency; it prints a warning on Node 20 and runs) serving its token endpoint on loopback, configured as close
 * to Tessera's exchange as it allows, so the ratio compares like with like:
 *   - one public client (`token_endpoint_auth_method: none`), grant types refresh_token (+ authorization_code,
 *     which the library requires beside it);
 *   - refresh-token rotation off (`rotateRefreshToken: () => false`): the same token is presented every time, as
 *     a VCD API token is;
 *   - its built-in in-memory adapter (no `adapter` option);
 *   - access tokens as HS256 JWTs for one resource server (not stored), like Tessera's; scope `api` only, no
 *     `openid`, so no ID token is signed on refresh (Tessera issues none either);
 *   - NODE_ENV=production, proxy off, no interaction, no cookies on this path.
 * The refresh token is created directly through the provider's models (a Grant, then a RefreshToken) instead of
 * an authorization-code dance: the bench measures the refresh grant, not the sign-in.
 * Prints `peer listening <port> <refresh token>`.
 */
import { createSecretKey, randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.argv[2] ?? 0);
const RESOURCE = 'urn:tessera:bench-api';
const hmacKey = createSecretKey(randomBytes(32));

const provider = new Provider('http://127.0.0.1', {
  clients: [
    {
      client_id: 'bench-public',
      token_endpoint_auth_method: 'none',
      grant_types: ['refresh_token', 'authorization_code'],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1/cb'],
    },
  ],
  scopes: ['api', 'offline_access'],
  rotateRefreshToken: () => false,
  features: {
    devInteractions: { enabled: false },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => RESOURCE,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: 'api',
        accessTokenFormat: 'jwt',
        accessTokenTTL: 3600,
        jwt: { sign: { alg: 'HS256', key: hmacKey } },
      }),
    },
  },
  findAccount: (_ctx: unknown, sub: string) => ({ accountId: sub, claims: () => ({ sub }) }),
});
provider.proxy = false;

const client = await provider.Client.find('bench-public');
if (!client) throw new Error('peer: client not configured');
const grant = new provider.Grant({ accountId: 'alice', clientId: 'bench-public' });
grant.addOIDCScope('offline_access');
grant.addResourceScope(RESOURCE, 'api');
const grantId = await grant.save();
const refreshToken = new provider.RefreshToken({
  accountId: 'alice',
  client,
  grantId,
  scope: 'offline_access api',
  resource: RESOURCE,
  gty: 'authorization_code',
  expiresWithSession: false,
  iiat: Math.floor(Date.now() / 1000),
});
const value = await refreshToken.save();

const server = provider.listen(port, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`peer listening ${typeof address === 'object' && address ? address.port : port} ${value}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
