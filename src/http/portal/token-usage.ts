/**
 * "How to use this token": the documented VCD flow (VMware's 10.3.1 API-token post, Broadcom KB 429004) as
 * curl and PowerShell, filled with this server's URL and org, so that they run as pasted against the server
 * that showed them (test/portal/token-usage-run.test.ts runs the curl one). The token itself is not pasted
 * into the snippets (it would sit in shell history and appear twice on the page): they read it from the
 * environment. curl runs with -sS: quiet, but an error (refused connection, bad certificate) is still shown,
 * where -s alone exits 60 silently and leaves the access-token variable empty.
 *
 * A refused exchange (a revoked, expired or mistyped token) answers 400 with an OAuth error body. `jq -r
 * .access_token` turned that into the word "null", and step 2 then failed with a puzzling 401. So the curl snippet
 * keeps the answer, takes the token with `jq -er '.access_token // empty'` (no token: no output, a failing status),
 * prints the server's answer as the reason when there is none, and runs step 2 only with a token. Nothing in it
 * exits the shell it is pasted into (no `set -e`, no `exit`), and it is the same in bash and zsh (Linux, macOS).
 * The PowerShell snippet likewise runs step 2 only with a token: a refused exchange is Invoke-RestMethod's error
 * (with the server's answer), and `$token` is cleared first so that a token from an earlier paste is not reused.
 */
import { powershellQuote, shellQuote } from '../../domain/shell-quote.js';

export const TOKEN_ENV_VAR = 'VCD_API_TOKEN';
/** The version the blog's script sends (VCD 10.3's 36.x), so the snippet matches VMware's documented flow. */
export const QUERY_API_VERSION = '36.1';

export interface TokenUsageSnippets {
  readonly tokenUrl: string;
  readonly vmQueryUrl: string;
  readonly curl: string;
  readonly powershell: string;
  /** True when the snippets skip certificate verification (`-k`, `-SkipCertificateCheck`). */
  readonly insecure: boolean;
}

export interface TokenUsageOptions {
  /** The server presents its generated self-signed certificate: clients must skip verification to connect. */
  insecure: boolean;
}

export function tokenUsageSnippets(baseUrl: string, oauthUrlPath: string, options: TokenUsageOptions): TokenUsageSnippets {
  const tokenUrl = `${baseUrl}${oauthUrlPath}/token`;
  const vmQueryUrl = `${baseUrl}/api/query?type=vm`;
  const accept = `application/*+xml;version=${QUERY_API_VERSION}`;
  const curlFlags = options.insecure ? '-sSk' : '-sS';
  const skipCheck = options.insecure ? ' -SkipCertificateCheck' : '';
  const curl = [
    `export ${TOKEN_ENV_VAR}='<paste the token here>'`,
    '',
    '# 1. Trade the API token for an access token (valid for one session)',
    `RESPONSE=$(curl ${curlFlags} -X POST ${shellQuote(tokenUrl)} \\`,
    `  -H 'Accept: application/json' \\`,
    `  -H 'Content-Type: application/x-www-form-urlencoded' \\`,
    `  --data-urlencode 'grant_type=refresh_token' \\`,
    `  --data-urlencode "refresh_token=$${TOKEN_ENV_VAR}")`,
    `ACCESS_TOKEN=$(printf '%s' "$RESPONSE" | jq -er '.access_token // empty') \\`,
    `  || echo "The token exchange failed\${RESPONSE:+: $RESPONSE}" >&2`,
    '',
    '# 2. Call the API with it (only when step 1 gave a token): list the virtual machines',
    `[ -n "$ACCESS_TOKEN" ] && curl ${curlFlags} ${shellQuote(vmQueryUrl)} \\`,
    `  -H ${shellQuote(`Accept: ${accept}`)} \\`,
    `  -H "Authorization: Bearer $ACCESS_TOKEN"`,
  ].join('\n');
  const powershell = [
    `$env:${TOKEN_ENV_VAR} = '<paste the token here>'`,
    '',
    '# 1. Trade the API token for an access token (valid for one session)',
    `$body = @{ grant_type = 'refresh_token'; refresh_token = $env:${TOKEN_ENV_VAR} }`,
    '$token = $null',
    `$token = Invoke-RestMethod -Method Post -Uri ${powershellQuote(tokenUrl)} -Headers @{ Accept = 'application/json' } -Body $body${skipCheck}`,
    '',
    '# 2. Call the API with it (only when step 1 gave a token): list the virtual machines',
    'if ($token.access_token) {',
    `  $headers = @{ Accept = ${powershellQuote(accept)}; Authorization = "Bearer $($token.access_token)" }`,
    `  $result = Invoke-RestMethod -Uri ${powershellQuote(vmQueryUrl)} -Headers $headers${skipCheck}`,
    '  $result.QueryResultRecords.VMRecord | Select-Object name, status, containerName',
    '}',
  ].join('\n');
  return { tokenUrl, vmQueryUrl, curl, powershell, insecure: options.insecure };
}
