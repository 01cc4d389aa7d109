import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { buildVcdApiHeaders } from '../../../src/client/create-vcd-api-headers.js';
import { formatHeaders, powershellQuote, shellQuote } from '../../../src/cli/format/headers.js';

const headers = buildVcdApiHeaders({
  endpoint: 'https://vcd.example.com',
  apiVersion: '37.0',
  accessToken: 'eyJhbGciOiJSUzI1NiJ9.payload.sig',
  expiresAt: new Date('2030-01-02T03:04:05.000Z'),
});

test('shell format: export lines a POSIX shell evaluates back to the same values', () => {
  const text = formatHeaders(headers, 'shell');
  assert.match(text, /^export VCD_ENDPOINT='https:\/\/vcd\.example\.com'$/m);
  assert.match(text, /^export VCD_AUTHORIZATION='Bearer eyJhbGciOiJSUzI1NiJ9\.payload\.sig'$/m);
  const printed = execFileSync(
    'sh',
    ['-c', `${text}\nprintf '%s|%s|%s|%s' "$VCD_API_ACCEPT" "$VCD_API_JSON_ACCEPT" "$VCD_CLOUDAPI_ACCEPT" "$VCD_TOKEN_EXPIRES_AT"`],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(
    printed,
    'application/*+xml;version=37.0|application/*+json;version=37.0|application/json;version=37.0|2030-01-02T03:04:05.000Z',
  );
});

test('shellQuote survives quotes and shell syntax', () => {
  const nasty = `it's $(rm -rf /) \`x\` "y" \\`;
  assert.equal(execFileSync('sh', ['-c', `printf '%s' ${shellQuote(nasty)}`], { encoding: 'utf8' }), nasty);
});

test('json format carries the three header sets and the expiry', () => {
  const value = JSON.parse(formatHeaders(headers, 'json')) as Record<string, Record<string, string>>;
  assert.equal(value.api!.Accept, 'application/*+xml;version=37.0');
  assert.equal(value.cloudapi!.Accept, 'application/json;version=37.0');
  assert.equal(value.apiJson!.Authorization, 'Bearer eyJhbGciOiJSUzI1NiJ9.payload.sig');
  assert.equal(value.expiresAt as unknown as string, '2030-01-02T03:04:05.000Z');
  assert.equal(value.endpoint as unknown as string, 'https://vcd.example.com');
});

test('powershell format: $headers like the seed, quotes doubled', () => {
  const text = formatHeaders(headers, 'powershell');
  assert.match(
    text,
    /^\$headers = @\{ 'Authorization' = 'Bearer eyJhbGciOiJSUzI1NiJ9\.payload\.sig'; 'Accept' = 'application\/\*\+xml;version=37\.0' \}$/m,
  );
  assert.match(text, /^\$cloudApiHeaders = @\{ .*'application\/json;version=37\.0' \}$/m);
  assert.match(text, /^\$VcdEndpoint = 'https:\/\/vcd\.example\.com'$/m);
  assert.equal(powershellQuote("it's"), "'it''s'");
});
