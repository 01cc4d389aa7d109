/**
 * Every relative link of README.md and docs/*.md leads somewhere: the file exists and, for `#anchor`, the page has
 * that heading (GitHub's slug: lower case, punctuation dropped, spaces to hyphens, `-1`, `-2` for repeats) or an
 * `<a id>`. A newcomer follows them in the order the README gives them; a renamed heading broke none so far, and
 * this keeps it so (2026-12-06).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';

const ROOT = resolve(import.meta.dirname, '../..');
const PAGES = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** Lines outside fenced code blocks, with their numbers. */
function proseLines(text: string): Array<[number, string]> {
  const out: Array<[number, string]> = [];
  let fenced = false;
  text.split('\n').forEach((line, i) => {
    if (/^\s*```/.test(line)) fenced = !fenced;
    else if (!fenced) out.push([i + 1, line]);
  });
  return out;
}

function githubSlug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/<[^>]+>/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/ /g, '-');
}

function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, line] of proseLines(text)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      const slug = githubSlug(heading[1]!);
      const n = seen.get(slug) ?? 0;
      seen.set(slug, n + 1);
      anchors.add(n === 0 ? slug : `${slug}-${n}`);
    }
    for (const a of line.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(a[1]!);
  }
  return anchors;
}

/** `[text](target)` links outside code spans and blocks; absolute URLs (`https:`, `mailto:`) are not ours to check. */
function brokenLinks(page: string, text: string, root = ROOT): string[] {
  const broken: string[] = [];
  for (const [n, line] of proseLines(text)) {
    for (const m of line.replace(/`[^`]*`/g, '').matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1]!;
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      const [path, anchor] = target.split('#') as [string, string | undefined];
      const file = path === '' ? join(root, page) : resolve(dirname(join(root, page)), path);
      if (!existsSync(file)) broken.push(`${page}:${n}: ${target}: no file ${relative(root, file)}`);
      else if (anchor !== undefined && file.endsWith('.md') && !anchorsOf(readFileSync(file, 'utf8')).has(anchor)) {
        broken.push(`${page}:${n}: ${target}: ${relative(root, file)} has no heading #${anchor}`);
      }
    }
  }
  return broken;
}

test('GitHub slugs and repeated headings, as the pages use them', () => {
  assert.equal(githubSlug('Behind a reverse proxy (--trust-proxy)'), 'behind-a-reverse-proxy---trust-proxy');
  assert.equal(githubSlug('6. The portal\'s inventory pages at 100,000 VMs (issue 14)'), '6-the-portals-inventory-pages-at-100000-vms-issue-14');
  assert.deepEqual([...anchorsOf('# A\n```\n# not a heading\n```\n## A\n<a id="x"></a>\n')], ['a', 'a-1', 'x']);
});

test('a missing file and a missing anchor are both found', () => {
  const text = 'See [cli](docs/cli.md#no-such-heading), [gone](docs/gone.md), [ok](docs/cli.md#output) and `[code](x.md)`.\n';
  assert.deepEqual(brokenLinks('README.md', text), [
    'README.md:1: docs/cli.md#no-such-heading: docs/cli.md has no heading #no-such-heading',
    'README.md:1: docs/gone.md: no file docs/gone.md',
  ]);
});

test('every relative link and anchor in README.md and docs/*.md resolves', () => {
  const broken = PAGES.flatMap((page) => brokenLinks(page, readFileSync(join(ROOT, page), 'utf8')));
  assert.deepEqual(broken, []);
  const links = PAGES.reduce((sum, page) => sum + (readFileSync(join(ROOT, page), 'utf8').match(/\]\((?![a-z]+:)[^)\s]+\)/g)?.length ?? 0), 0);
  assert.ok(links > 100, `the pages hold relative links to check (${links})`);
});
