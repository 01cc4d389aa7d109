/**
 * `POST /oauth/secret-scanning/github`: GitHub's secret scanning partner endpoint (docs/security.md "GitHub secret
 * scanning"). When GitHub finds a string matching Tessera's token format in a public repository, gist, issue or npm
 * package, it POSTs the matches here, signed; each one that is a token of this installation is revoked at once,
 * exactly as RFC 7009 revocation by its holder revokes it (revoke-by-value.ts), audited with `via` "GitHub secret
 * scanning" and where GitHub found it.
 *
 * On only with `--github-secret-scanning-keys FILE` (without it, a 404 like any unknown path's). Decisions
 * (2026-12-07):
 * - Authentication is GitHub's signature alone: `GITHUB-PUBLIC-KEY-IDENTIFIER` names a key of the file and
 *   `GITHUB-PUBLIC-KEY-SIGNATURE` is its ECDSA P-256/SHA-256 signature (base64 DER) over the exact body bytes, so the
 *   body is read as bytes and parsed only once it verifies. A missing or unknown key or a bad signature: 401, nothing
 *   revoked, a warning logged with the reason (never the body: it holds tokens).
 * - At most 1 MiB and 1,000 matches per message (GitHub batches matches; one token is 32 characters and a match
 *   a few hundred bytes with its URL): 413 or 400 above, nothing revoked.
 * - The answer is GitHub's feedback, one entry per match: `true_positive` for a token of this installation, live
 *   (revoked now) or revoked already (it is a real secret all the same), `false_positive` for anything else.
 *   By `token_hash` (hex SHA-256 of the token), never `token_raw`: the answer does not carry secrets back.
 * - Counted in the RFC 7009 endpoint's per-address budget (revokePerIp), once per message.
 */
import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import { TesseraError, tooManyRequests } from '../../domain/errors.js';
import { hashApiToken, isWellFormedApiToken } from '../../domain/api-token-format.js';
import { parseJsonBody } from '../json-body.js';
import { utf8Text } from '../utf8-text.js';
import { sendJson } from '../context.js';
import { revokeWellFormedToken } from './revoke-by-value.js';
import { isKeyIdentifier } from '../../github-scanning-keys.js';
import { OAuthErrorEnvelope, OAuthErrors } from './schemas.js';

export const GITHUB_SECRET_SCANNING_PATH = '/oauth/secret-scanning/github';
export const GITHUB_SCANNING_BODY_LIMIT = 1024 * 1024;
export const GITHUB_SCANNING_MAX_MATCHES = 1000;
/** The audit event keeps this much of the URL where GitHub found the token (a blob URL is ~150 characters). */
const AUDITED_URL_LENGTH = 500;
const AUDITED_SOURCE_LENGTH = 64;
const VIA = 'GitHub secret scanning';

const Feedback = Type.Array(
  Type.Object({
    token_hash: Type.String({ description: 'hex SHA-256 of the reported token' }),
    token_type: Type.String(),
    label: Type.Union([Type.Literal('true_positive'), Type.Literal('false_positive')]),
  }),
);

interface Match {
  token: string;
  type: string;
  url: string;
  source: string;
}

const invalid = (message: string) => new TesseraError('invalid_request', message);

/** The matches of a verified body, or a 400 saying what is wrong with its shape (never quoting a token). */
function matchesOf(body: Buffer): Match[] {
  const text = utf8Text(body);
  if (text === null) throw invalid('The body must be UTF-8 (RFC 8259 §8.1)');
  const parsed = parseJsonBody(text, () => invalid('The body must be a JSON array of matches'));
  if (!Array.isArray(parsed) || parsed.length === 0) throw invalid('The body must be a non-empty JSON array of matches');
  if (parsed.length > GITHUB_SCANNING_MAX_MATCHES) {
    throw invalid(`At most ${GITHUB_SCANNING_MAX_MATCHES} matches per message, got ${parsed.length}`);
  }
  return parsed.map((entry: unknown, i) => {
    const { token, type, url, source } = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    if (typeof token !== 'string' || token === '') throw invalid(`Match ${i}: token must be a non-empty string`);
    if (typeof type !== 'string') throw invalid(`Match ${i}: type must be a string`);
    if (url !== undefined && typeof url !== 'string') throw invalid(`Match ${i}: url must be a string`);
    if (source !== undefined && typeof source !== 'string') throw invalid(`Match ${i}: source must be a string`);
    return { token, type, url: url ?? '', source: source ?? '' };
  });
}

export const githubSecretScanningRoutes: FastifyPluginAsync = async (app) => {
  const services = app.tessera;
  const keys = services.githubScanningKeys;
  // Bytes, whatever the Content-Type: the signature is over them, and a parser must not touch them first.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: GITHUB_SCANNING_BODY_LIMIT }, (_request, body, done) => done(null, body));

  app.post(
    GITHUB_SECRET_SCANNING_PATH,
    {
      bodyLimit: GITHUB_SCANNING_BODY_LIMIT,
      // 404 is part of the contract: a server started without the key file answers it (below).
      schema: { consumes: ['application/json'], response: { ...OAuthErrors, 200: Feedback, 404: OAuthErrorEnvelope } },
    },
    async (request, reply) => {
      // Registered always, so that the OpenAPI document is the same for every server; off, answered as the router
      // answers a path it does not know (a GET is still a 405: that says what the software has, not how it is set).
      if (!keys) throw new TesseraError('RESOURCE_NOT_FOUND', `No such resource: ${request.method} ${request.url.split('?')[0]}`);
      const retryAfter = services.limits.revokePerIp.hit(request.ip);
      if (retryAfter > 0) throw tooManyRequests(retryAfter, 'Too many revocation requests from this address; retry later');
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const keyId = request.headers['github-public-key-identifier'];
      const problem = keys.problem(keyId, request.headers['github-public-key-signature'], body);
      if (problem !== null) {
        // The identifier when it is one (hex), else only its length: the header is anyone's to fill, and its text
        // (up to 128 characters of it until 2026-12-07) was a line of the sender's choosing in the server's log.
        const named = typeof keyId === 'string' && isKeyIdentifier(keyId);
        request.log.warn(
          {
            keyId: named ? keyId : null,
            ...(typeof keyId === 'string' && !named ? { keyIdLength: keyId.length } : {}),
            problem,
            bytes: body.length,
          },
          'GitHub secret scanning: message refused, nothing revoked',
        );
        throw new TesseraError('invalid_client', 'The message is not signed by a GitHub secret scanning key this server trusts', {
          status: 401,
        });
      }
      const matches = matchesOf(body);
      const seen = new Map<string, Promise<boolean>>();
      const feedback = [];
      // One after another: a batch of 1,000 must not take 1,000 of the pool's connections at once.
      for (const match of matches) {
        const tokenHash = hashApiToken(match.token);
        let known = seen.get(tokenHash);
        if (!known) {
          // Not one of ours by its shape (length, alphabet, checksum): a false positive without a look-up.
          known = !isWellFormedApiToken(match.token)
            ? Promise.resolve(false)
            : revokeWellFormedToken(services, tokenHash, request.ip, {
                via: VIA,
                details: { url: match.url.slice(0, AUDITED_URL_LENGTH), source: match.source.slice(0, AUDITED_SOURCE_LENGTH) },
              }).then((outcome) => outcome !== 'unknown');
          seen.set(tokenHash, known);
        }
        feedback.push({ token_hash: tokenHash, token_type: match.type, label: (await known) ? 'true_positive' : 'false_positive' });
      }
      reply.header('Cache-Control', 'no-store').header('X-Content-Type-Options', 'nosniff');
      return sendJson(reply, 200, 'application/json', feedback);
    },
  );
};
