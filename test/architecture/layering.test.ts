/**
 * The one direction of imports (DESIGN.md "Shape", docs/design.md "Layers"), checked on the source itself:
 *   domain  <-  store  <-  auth, inventory  <-  http (neutral modules, then one folder per API area)  <-  cli
 * The composition roots at the top of src/ (server.ts, services.ts, logging.ts, index.ts) wire everything
 * together and are exempt. Type-only imports count too: a type that points up is still a dependency that
 * points up, and it is where real ones start.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';

const SRC = resolve(import.meta.dirname, '../../src');

interface ImportEdge {
  /** The importing file, relative to the repository (src/...). */
  file: string;
  /** The specifier as written. */
  specifier: string;
  /** The imported file relative to src/ (POSIX separators), or null for a package or node: builtin. */
  target: string | null;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

/** Every import, re-export and dynamic import() of every .ts file under src/ (the TypeScript scanner, not a regex). */
function importEdges(): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const path of sourceFiles(SRC)) {
    const info = ts.preProcessFile(readFileSync(path, 'utf8'), true, true);
    for (const ref of info.importedFiles) {
      const specifier = ref.fileName;
      const target = specifier.startsWith('.')
        ? relative(SRC, resolve(dirname(path), specifier))
            .split(sep)
            .join('/')
            .replace(/\.js$/, '.ts')
        : null;
      edges.push({ file: `src/${relative(SRC, path).split(sep).join('/')}`, specifier, target });
    }
  }
  return edges;
}

const API_AREAS = ['legacy', 'cloudapi', 'oauth', 'portal'] as const;
const BELOW_HTTP = ['domain', 'store', 'auth', 'inventory'] as const;
/**
 * What src/domain may take from outside itself: pure computation only (no file system, network, database or
 * framework). Extend this list deliberately, with a reason, never to make an I/O module fit.
 */
const DOMAIN_ALLOWED_PACKAGES = new Set(['node:crypto']);

const topFolder = (srcRelative: string) => srcRelative.split('/')[0]!;
const apiAreaOf = (srcRelative: string) => {
  const [top, area] = srcRelative.split('/');
  return top === 'http' ? API_AREAS.find((a) => a === area) : undefined;
};

/** The rule an edge breaks, or null. Exported shape kept small so the self-test below can feed it edges. */
function violation(edge: ImportEdge): string | null {
  const from = edge.file.replace(/^src\//, '');
  const layer = topFolder(from);
  if (edge.target === null) {
    if (layer === 'domain' && !DOMAIN_ALLOWED_PACKAGES.has(edge.specifier))
      return 'src/domain is pure: it imports no package but node:crypto';
    return null;
  }
  if (edge.target.startsWith('..')) return 'imports from outside src/';
  const targetLayer = topFolder(edge.target);
  if (layer === 'domain' && targetLayer !== 'domain') return `src/domain imports from above it (src/${targetLayer})`;
  if ((BELOW_HTTP as readonly string[]).includes(layer) && (targetLayer === 'http' || targetLayer === 'cli')) {
    return `src/${layer} is below src/http and src/cli and must not import them`;
  }
  const fromArea = apiAreaOf(from);
  const toArea = apiAreaOf(edge.target);
  if (fromArea && toArea && fromArea !== toArea) return `API area ${fromArea} imports API area ${toArea}`;
  // Neutral http modules (app.ts is the one place that mounts the areas) are shared by the areas, so they must not
  // depend on any one of them.
  if (layer === 'http' && !fromArea && toArea && from !== 'http/app.ts') return `neutral src/http module imports API area ${toArea}`;
  return null;
}

test('imports point down only, and API areas do not import each other', () => {
  const edges = importEdges();
  assert.ok(edges.length > 500, `scanned ${edges.length} imports: the scan looks broken`);
  const broken = edges.flatMap((edge) => {
    const why = violation(edge);
    return why ? [`${edge.file}: import '${edge.specifier}' (${why})`] : [];
  });
  assert.deepEqual(broken, [], `layering violations:\n${broken.join('\n')}`);
});

test('the layering rules catch each kind of violation (so the test above can fail)', () => {
  const edge = (file: string, specifier: string, target: string | null): ImportEdge => ({ file, specifier, target });
  assert.match(violation(edge('src/auth/x.ts', '../http/errors.js', 'http/errors.ts'))!, /below src\/http/);
  assert.match(violation(edge('src/store/x.ts', '../cli/y.js', 'cli/y.ts'))!, /below src\/http/);
  assert.match(violation(edge('src/http/legacy/s.ts', '../cloudapi/s.js', 'http/cloudapi/s.ts'))!, /legacy imports API area cloudapi/);
  assert.match(violation(edge('src/http/portal/p.ts', '../oauth/o.js', 'http/oauth/o.ts'))!, /portal imports API area oauth/);
  assert.match(violation(edge('src/domain/p.ts', '../auth/principal.js', 'auth/principal.ts'))!, /src\/domain imports from above/);
  assert.match(violation(edge('src/domain/p.ts', 'node:fs', null))!, /pure/);
  assert.match(violation(edge('src/http/context.ts', './cloudapi/s.js', 'http/cloudapi/s.ts'))!, /neutral/);
  assert.equal(violation(edge('src/http/app.ts', './cloudapi/s.js', 'http/cloudapi/s.ts')), null);
  assert.equal(violation(edge('src/http/legacy/s.ts', '../sign-in.js', 'http/sign-in.ts')), null);
  assert.equal(violation(edge('src/auth/x.ts', '../domain/errors.js', 'domain/errors.ts')), null);
  assert.equal(violation(edge('src/server.ts', './http/app.js', 'http/app.ts')), null);
});
