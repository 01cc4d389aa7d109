/**
 * `npm run openapi`: regenerates docs/openapi.json from the routes' schemas (src/openapi-document.ts).
 * `npm run openapi -- --check` exits 1 when the committed file is out of date instead of writing it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { buildOpenApiDocument, formatOpenApiDocument } from '../src/openapi-document.js';

const target = new URL('../docs/openapi.json', import.meta.url);
const text = formatOpenApiDocument(await buildOpenApiDocument());
if (process.argv.includes('--check')) {
  let committed = '';
  try {
    committed = readFileSync(target, 'utf8');
  } catch {
    // missing: out of date
  }
  if (committed !== text) {
    console.error('docs/openapi.json is out of date: run npm run openapi');
    process.exit(1);
  }
  console.log('docs/openapi.json is up to date');
} else {
  writeFileSync(target, text);
  console.log(`wrote docs/openapi.json (${text.length} bytes)`);
}
