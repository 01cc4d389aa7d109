/**
 * Generic OAuth client libraries, unmodified, against Tessera on HTTPS with the demo inventory, as users coming from
 * GitHub, GitLab, Keycloak or Vault drive a token server (docs/conformance.md):
 * - authlib 1.9.10 and requests-oauthlib 2.0.0 (PyPI): authlib's OAuth2Session fetch_token (the jwt-bearer mint),
 *   refresh_token with the API token, its Bearer on GET /api/query?type=vm, introspect_token, revoke_token and the
 *   refusals after it; requests-oauthlib's refresh_token, Bearer and refusal (test/conformance/oauth-libs/python_libs.py);
 * - golang.org/x/oauth2 v0.38.0: Config.TokenSource with the API token as refresh token, oauth2.NewClient, the refusal
 *   of a revoked token, and a service account's Config.DeviceAuth + DeviceAccessToken, then its rotating refresh
 *   (test/conformance/oauth-libs/xoauth2/main.go).
 * Both come from scripts/setup-conformance.sh oauthlibs; a missing toolchain or registry fails, never skips.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTessera } from '../helpers/tessera.js';
import { CONFORMANCE_DIR, describeFailure, readSummary, runProcess, setupConformance, verboseOutput } from './support.js';

type Server = Awaited<ReturnType<typeof startTessera>>;

const OAUTH_LIBS_DIR = join(CONFORMANCE_DIR, 'oauth-libs');
/** Each run takes seconds (the device flow's two polls, 10 s); the cap only bounds a hang. */
const RUN_TIMEOUT_MS = 90_000;

interface Summary {
  versions: Record<string, string>;
  steps: string[];
  counts: Record<string, number>;
}

describe(
  'generic OAuth client libraries (authlib, requests-oauthlib, golang.org/x/oauth2) against Tessera',
  { timeout: 25 * 60_000 },
  () => {
    let server: Server;

    before(
      async () => {
        setupConformance('oauthlibs');
        server = await startTessera({ https: true, demo: true });
      },
      { timeout: 22 * 60_000 },
    );

    after(async () => {
      await server?.stop();
    });

    async function run(
      t: { diagnostic(message: string): void },
      label: string,
      command: string,
      args: string[],
      marker: string,
    ): Promise<Summary> {
      const result = await runProcess(
        command,
        [...args, '--url', server.baseUrl, '--org', 'acme', '--user', 'alice', '--password-env', 'TESSERA_CONFORMANCE_PASSWORD'],
        {
          timeoutMs: RUN_TIMEOUT_MS,
          // The password through the environment, not argv (visible in ps); no CA bundle from the environment either.
          env: { TESSERA_CONFORMANCE_PASSWORD: server.demoPassword, PYTHONDONTWRITEBYTECODE: '1' },
        },
      );
      const verbose = verboseOutput(result);
      if (verbose !== null) t.diagnostic(verbose);
      assert.equal(result.code, 0, describeFailure(label, result, RUN_TIMEOUT_MS));
      const summary = readSummary<Summary>(result, marker);
      t.diagnostic(`${label}: ${summary.steps.join(' | ')}; ${JSON.stringify(summary.counts)}`);
      return summary;
    }

    test(
      "authlib's and requests-oauthlib's OAuth2Session: mint, refresh_token, Bearer, introspect_token, revoke_token, refusals",
      { timeout: RUN_TIMEOUT_MS + 10_000 },
      async (t) => {
        const summary = await run(
          t,
          'authlib and requests-oauthlib',
          join(OAUTH_LIBS_DIR, '.venv', 'bin', 'python'),
          [join(OAUTH_LIBS_DIR, 'python_libs.py')],
          'AUTHLIB-CONFORMANCE-SUMMARY',
        );
        assert.equal(summary.versions.authlib, '1.9.10', 'the venv holds the pinned authlib');
        assert.equal(summary.versions['requests-oauthlib'], '2.0.0', 'the venv holds the pinned requests-oauthlib');
        assert.equal(summary.steps.length, 12, `every step ran: ${summary.steps.join(' | ')}`);
        assert.ok((summary.counts.vms ?? 0) > 0, 'the query through authlib listed VMs');
      },
    );

    test(
      "golang.org/x/oauth2: TokenSource on an API token, refusal after revocation, a service account's device flow",
      { timeout: RUN_TIMEOUT_MS + 10_000 },
      async (t) => {
        const summary = await run(t, 'x/oauth2', join(OAUTH_LIBS_DIR, 'bin', 'xoauth2'), [], 'XOAUTH2-CONFORMANCE-SUMMARY');
        assert.equal(summary.versions['golang.org/x/oauth2'], 'v0.38.0', 'the binary is built on the pinned x/oauth2');
        assert.equal(summary.steps.length, 9, `every step ran: ${summary.steps.join(' | ')}`);
        assert.ok((summary.counts.serviceAccountVms ?? 0) > 0, "the service account's token listed VMs");
      },
    );
  },
);
