/**
 * `tessera headers`: the seed's `Create-VcdApiHeaders` for shells. Trades an API token once and prints the
 * ready-made headers as `export` lines (eval them), JSON, or PowerShell hashtables.
 */
import { Option, type Command } from 'commander';
import { createVcdApiHeaders } from '../client/create-vcd-api-headers.js';
import {
  addServerOptions,
  addTokenFileOption,
  apiTokenFrom,
  persistRotatedToken,
  warnIfCleartext,
  type ConnectionFlags,
} from './connection.js';
import { HEADER_FORMATS, formatHeaders, type HeaderFormat } from './format/headers.js';
import { action } from './io.js';
import { usageError } from './exit-codes.js';

interface HeadersFlags extends ConnectionFlags {
  format: HeaderFormat;
}

export function registerHeadersCommand(program: Command): void {
  const command = program
    .command('headers')
    .description('Exchange an API token and print ready-made request headers (the Create-VcdApiHeaders of the VCD blog)')
    .addOption(new Option('--format <format>', 'shell export lines, json, or powershell').choices([...HEADER_FORMATS]).default('shell'));
  addTokenFileOption(addServerOptions(command)).addHelpText(
    'after',
    `
The API token comes from --token-file or TESSERA_API_TOKEN. The headers carry a short-lived access token
(VCD_TOKEN_EXPIRES_AT); run the command again when it runs out.

Shell variables: VCD_ENDPOINT VCD_ACCESS_TOKEN VCD_AUTHORIZATION VCD_API_ACCEPT VCD_API_JSON_ACCEPT
VCD_CLOUDAPI_ACCEPT VCD_TOKEN_EXPIRES_AT. PowerShell: $VcdEndpoint, $VcdTokenExpiresAt, $headers (/api, XML),
$apiJsonHeaders, $cloudApiHeaders.

Examples:
  $ eval "$(tessera headers --token-file token.json --endpoint https://vcd.example.com --org acme)"
  $ curl -s -H "Authorization: $VCD_AUTHORIZATION" -H "Accept: $VCD_API_ACCEPT" "$VCD_ENDPOINT/api/query?type=vm"
  $ tessera headers --token-file token.json --endpoint https://vcd.example.com --org acme --format json | jq .cloudapi
  PS> tessera headers --token-file token.json --endpoint https://vcd.example.com --org acme --format powershell | Out-String | Invoke-Expression`,
  );
  command.action(action((flags: HeadersFlags) => runHeaders(flags)));
}

async function runHeaders(flags: HeadersFlags): Promise<void> {
  const apiToken = await apiTokenFrom(flags);
  if (!apiToken) throw usageError('--token-file is required (or set TESSERA_API_TOKEN)');
  if (!flags.endpoint) throw usageError('--endpoint is required (or set TESSERA_ENDPOINT)');
  if (!flags.org) throw usageError('--org is required (or set TESSERA_ORG)');
  // As login and the other token commands do, before the token is sent (until 2026-12-06 headers sent it without a word).
  warnIfCleartext(flags.endpoint, 'the API token');
  const headers = await createVcdApiHeaders({
    endpoint: flags.endpoint,
    tenant: flags.org,
    apiToken,
    apiVersion: flags.apiVersion,
    insecure: flags.insecure ?? false,
  });
  if (headers.rotatedApiToken) await persistRotatedToken(flags, headers.rotatedApiToken);
  process.stdout.write(formatHeaders(headers, flags.format));
}
