import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { buildVcdApiHeaders } from '../../../src/client/create-vcd-api-headers.js';
import { formatHeaders } from '../../../src/cli/format/headers.js';
import { powershellQuote, shellQuote } from '../../../src/domain/shell-quote.js';
import { buildProgram } from '../../../src/cli/index.js';

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

test("every variable and key the three formats print is named in docs/cli.md's Output section and in headers --help", () => {
  const doc = readFileSync(new URL('../../../docs/cli.md', import.meta.url), 'utf8');
  const output = doc.slice(doc.indexOf('## Output'), doc.indexOf('## `tessera scan`'));
  let help = '';
  const command = buildProgram().commands.find((c) => c.name() === 'headers')!;
  command.configureOutput({ writeOut: (text) => (help += text) });
  command.outputHelp(); // with the text added after the options, as --help prints it
  const named = (text: string, name: string) => new RegExp(`(^|[^\\w$])${name.replace('$', '\\$')}(?!\\w)`).test(text);
  const names = [
    ...[...formatHeaders(headers, 'shell').matchAll(/^export (\w+)=/gm)].map((m) => m[1]!),
    ...[...formatHeaders(headers, 'powershell').matchAll(/^(\$\w+) =/gm)].map((m) => m[1]!),
  ];
  assert.equal(names.length, 12, names.join(' '));
  for (const name of names) {
    assert.ok(named(output, name), `docs/cli.md's Output names ${name}`);
    assert.ok(named(help, name), `tessera headers --help names ${name}`);
  }
  for (const key of Object.keys(JSON.parse(formatHeaders(headers, 'json')) as object)) {
    assert.ok(output.includes(`\`${key}\``), `docs/cli.md's Output names the JSON key ${key}`);
  }
});
