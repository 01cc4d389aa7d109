/**
 * The CLI warns before a password or an API token goes to a plain-http endpoint off this machine (until 2026-12-05
 * it sent either without a word); loopback, where `serve --http` sits behind a local TLS proxy, is not warned about.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { warnIfCleartext } from '../../src/cli/connection.js';

function warningsFor(endpoint: string): string {
  const written: string[] = [];
  const original = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string) => (written.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    warnIfCleartext(endpoint, 'the password');
  } finally {
    process.stderr.write = original;
  }
  return written.join('');
}

test('plain http off this machine is warned about, naming what would cross it', () => {
  for (const endpoint of ['http://vcd.example.com', 'http://10.0.0.5:8080/', 'http://[2001:db8::1]:80']) {
    assert.match(
      warningsFor(endpoint),
      /^tessera: warning: http:\/\/\S+ is plain http: the password crosses the network unencrypted; use https:\/\/\n$/,
      endpoint,
    );
  }
});

test('https, loopback and what is no URL at all are not', () => {
  for (const endpoint of ['https://vcd.example.com', 'http://127.0.0.1:8443', 'http://localhost:8080', 'http://[::1]:8080', 'not a url']) {
    assert.equal(warningsFor(endpoint), '', endpoint);
  }
});
