/**
 * `tessera headers` output: the headers of `createVcdApiHeaders` as shell `export` lines, JSON, or PowerShell
 * hashtables named like the seed's `Create-VcdApiHeaders` result. Pure.
 */
import type { VcdApiHeaders } from '../../client/create-vcd-api-headers.js';
import { powershellQuote, shellQuote } from '../../domain/shell-quote.js';

export const HEADER_FORMATS = ['shell', 'json', 'powershell'] as const;
export type HeaderFormat = (typeof HEADER_FORMATS)[number];

export function formatHeaders(headers: VcdApiHeaders, format: HeaderFormat): string {
  switch (format) {
    case 'shell':
      return formatShell(headers);
    case 'json':
      return `${JSON.stringify(
        {
          endpoint: headers.endpoint,
          apiVersion: headers.apiVersion,
          expiresAt: headers.expiresAt.toISOString(),
          api: headers.api,
          apiJson: headers.apiJson,
          cloudapi: headers.cloudapi,
        },
        null,
        2,
      )}\n`;
    case 'powershell':
      return formatPowershell(headers);
  }
}

function formatShell(headers: VcdApiHeaders): string {
  const lines: Array<[string, string]> = [
    ['VCD_ENDPOINT', headers.endpoint],
    ['VCD_ACCESS_TOKEN', headers.accessToken],
    ['VCD_AUTHORIZATION', headers.api.Authorization],
    ['VCD_API_ACCEPT', headers.api.Accept],
    ['VCD_API_JSON_ACCEPT', headers.apiJson.Accept],
    ['VCD_CLOUDAPI_ACCEPT', headers.cloudapi.Accept],
    ['VCD_TOKEN_EXPIRES_AT', headers.expiresAt.toISOString()],
  ];
  return lines.map(([name, value]) => `export ${name}=${shellQuote(value)}\n`).join('');
}

function formatPowershell(headers: VcdApiHeaders): string {
  const table = (values: Record<string, string>) =>
    `@{ ${Object.entries(values)
      .map(([name, value]) => `${powershellQuote(name)} = ${powershellQuote(value)}`)
      .join('; ')} }`;
  return [
    `$VcdEndpoint = ${powershellQuote(headers.endpoint)}`,
    `$VcdTokenExpiresAt = [datetime]${powershellQuote(headers.expiresAt.toISOString())}`,
    `$headers = ${table(headers.api)}`,
    `$apiJsonHeaders = ${table(headers.apiJson)}`,
    `$cloudApiHeaders = ${table(headers.cloudapi)}`,
    '',
  ].join('\n');
}
