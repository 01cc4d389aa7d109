/**
 * Every `tessera` command line the docs print (README.md and docs/*.md: shell blocks, inline code, and docs/cli.md's
 * tables, whose rows leave out the word `tessera`) names commands that exist and long options that the command's
 * `--help` lists. A newcomer copies them word for word; an option renamed in the code and not in the docs is an
 * "unknown option" at the first try (2026-12-06). Alternatives written `a|b` are each checked.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/index.js';

const ROOT = resolve(import.meta.dirname, '../..');
const PAGES = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const program = buildProgram();

function subcommand(parent: Command, name: string): Command | undefined {
  return parent.commands.find((c) => c.name() === name || c.aliases().includes(name));
}

/** The long options `tessera ... --help` shows for this command (hidden ones are not shown, so not counted). */
function helpOptions(command: Command): Set<string> {
  const shown = command
    .createHelp()
    .visibleOptions(command)
    .map((o) => o.long)
    .filter((o): o is string => o !== undefined);
  return new Set(['--help', ...shown]);
}

function fullName(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return ['tessera', ...names].join(' ');
}

/** The words of one command line, up to the first shell separator, a comment or the end of a code span. */
function commandWords(text: string): string[] {
  const line = text.replace(/\\\|/g, '|').split(/\s(?:\||\|\||&&|;|#|>|2>|<)\s|\)|"|\$\(/)[0]!;
  return line
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => w.replace(/^\[+|[\],]+$/g, ''));
}

/** Problems with one command line: an unknown command, an option its command does not have. */
function checkCommandLine(where: string, words: string[]): string[] {
  const problems: string[] = [];
  let commands: Command[] = [program];
  let i = 0;
  for (; i < words.length; i++) {
    const word = words[i]!;
    if (word.startsWith('-')) break;
    const alternatives = word.split('|');
    const found = commands.flatMap((c) => alternatives.map((a) => subcommand(c, a)).filter((s): s is Command => s !== undefined));
    if (found.length === 0) {
      // An argument (a name, a file) of a command that takes one, or prose ("tessera HOST:PID"): only a lower-case
      // word where a command with sub-commands expects one of them is a mistake.
      if (/^[a-z][a-z-]*(\|[a-z][a-z-]*)*$/.test(word) && commands.every((c) => c.commands.length > 0 && c.registeredArguments.length === 0)) {
        problems.push(`${where}: ${commands.map(fullName).join(' / ')} has no command ${word}: tessera ${words.join(' ')}`);
      }
      break;
    }
    if (found.length < alternatives.length * commands.length) {
      problems.push(`${where}: not every one of ${word} is a command of ${commands.map(fullName).join(' / ')}`);
    }
    commands = found;
  }
  for (const word of words.slice(i)) {
    for (const m of word.matchAll(/(?<![\w-])(--[a-z][a-z0-9-]*)/g)) {
      for (const c of commands) {
        if (!helpOptions(c).has(m[1]!)) problems.push(`${where}: ${fullName(c)} --help has no ${m[1]}: tessera ${words.join(' ')}`);
      }
    }
  }
  return problems;
}

/** Every `tessera` command line of one page: where it is and what follows `tessera` (to the end of the line or span). */
function tesseraLines(page: string, text: string): Array<{ where: string; rest: string }> {
  const lines: Array<{ where: string; rest: string }> = [];
  let fenced = false;
  text.split('\n').forEach((line, n) => {
    const where = `${page}:${n + 1}`;
    if (/^\s*```/.test(line)) {
      fenced = !fenced;
      return;
    }
    const pieces = fenced ? [line] : [...line.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    for (const piece of pieces) {
      // `npx tessera` without --package is the unrelated npm package the README warns about.
      if (/\bnpx\s+(--yes\s+)?tessera\b/.test(piece) && !piece.includes('--package')) continue;
      for (const m of piece.matchAll(/(?:^|[\s($"'])(?:tessera|node bin\/tessera\.js|node dist\/cli\/main\.js)\s+(\S.*)$/g)) {
        lines.push({ where, rest: m[1]! });
      }
      // docs/cli.md's tables: `admin org create NAME [--full-name T]`, `token list [--output table|json]`.
      const first = /^([a-z][a-z-]*)\s/.exec(piece);
      if (page === 'docs/cli.md' && !fenced && first && subcommand(program, first[1]!) && /^\|/.test(line)) {
        lines.push({ where, rest: piece });
      }
    }
  });
  return lines;
}

/** Every `tessera` command line of one page, checked. */
function checkPage(page: string, text: string): { problems: string[]; checked: number } {
  const lines = tesseraLines(page, text);
  return { problems: lines.flatMap(({ where, rest }) => checkCommandLine(where, commandWords(rest))), checked: lines.length };
}

/**
 * A database password a command line shows to every account on the host (`ps`): a URL with `user:password@` given
 * to `--database-url` or `--before`, or `"$TESSERA_DATABASE_URL"` given to a command that reads that variable itself.
 * The commands warn about it (docs/configuration.md); docs that print such a line teach the warning (2026-12-07).
 */
function passwordsOnCommandLines(page: string, text: string): string[] {
  const problems: string[] = [];
  for (const { where, rest } of tesseraLines(page, text)) {
    for (const m of rest.matchAll(/(--database-url|--before)[\s=]+(["']?)([^\s"']+)\2/g)) {
      const value = m[3]!;
      if (/^\$\{?TESSERA_DATABASE_URL\}?$/.test(value)) {
        problems.push(`${where}: ${m[1]} "${value}" puts the URL in ps; the command reads TESSERA_DATABASE_URL itself`);
      } else if (/^postgres(?:ql)?:\/\/[^/@\s:]+:[^/@\s]+@/.test(value)) {
        problems.push(`${where}: ${m[1]} ${value} puts a password in ps`);
      }
    }
  }
  return problems;
}

/**
 * The long options each command's --help shows that docs/cli.md never writes on a line naming that command
 * (`admin user disable|enable ... --in ORG` names both). serve's are checked against docs/configuration.md below;
 * the connection and store options every client or store command shares are described once, in their sections.
 */
const SHARED_OPTIONS = ['--endpoint', '--org', '--insecure', '--api-version', '--token-file', '--data-dir', '--database-url', '--config'];

function undocumentedOptions(cliMd: string): string[] {
  const lines = cliMd.split('\n').map((line) => line.replace(/\\\|/g, '|'));
  const problems: string[] = [];
  const visit = (command: Command) => {
    if (command.commands.length > 0) command.commands.forEach(visit);
    else if (command.parent && command.name() !== 'serve') {
      const words = fullName(command).split(' ').slice(1);
      const last = words.pop()!;
      const names = new RegExp(`(^|[\\s\`(])${[...words, `([a-z-]+\\|)*${last}(\\|[a-z-]+)*`].join(' ')}(?![\\w-])`);
      const naming = lines.filter((line) => names.test(line));
      if (naming.length === 0) problems.push(`docs/cli.md never names ${fullName(command)}`);
      for (const option of helpOptions(command)) {
        if (option === '--help' || SHARED_OPTIONS.includes(option)) continue;
        if (!naming.some((line) => line.includes(option))) problems.push(`docs/cli.md has no line of ${fullName(command)} with ${option}`);
      }
    }
  };
  visit(program);
  return problems;
}

test('an unknown option and an unknown command are each reported; arguments and prose are not', () => {
  const text = [
    '```sh',
    'tessera token create ci --expires 90d --bogus    # a comment --not-checked',
    'tessera token frobnicate ci',
    'eval "$(tessera headers --token-file t.json --endpoint https://x --org acme --insecure)"',
    '```',
    'Prose with `tessera admin reset-password|backup|restore` and `tessera HOST:PID`.',
  ].join('\n');
  assert.deepEqual(checkPage('docs/x.md', text).problems, [
    'docs/x.md:2: tessera token create --help has no --bogus: tessera token create ci --expires 90d --bogus',
    'docs/x.md:3: tessera token has no command frobnicate: tessera token frobnicate ci',
  ]);
  const table = '| `token regenerate ID\\|NAME [--grace 0\\|30m] [--frob]` | x |';
  assert.deepEqual(checkPage('docs/cli.md', table).problems, ['docs/cli.md:1: tessera token regenerate --help has no --frob: tessera token regenerate ID|NAME --grace 0|30m --frob']);
});

test('a database password or TESSERA_DATABASE_URL on a command line is reported; a URL without a password is not', () => {
  const text = [
    '```sh',
    'tessera admin check-schema --database-url "$TESSERA_DATABASE_URL"   # after pg_restore',
    "tessera serve --database-url 'postgres://tessera:change-me@db:5432/tessera?sslmode=verify-full'",
    'tessera admin compare-restore --before postgresql://t:pw@db/before --revoke-again',
    'tessera seed --database-url postgres://tessera@db:5432/tessera',
    'pg_dump --file=x.dump "$TESSERA_DATABASE_URL"',
    '```',
  ].join('\n');
  assert.deepEqual(passwordsOnCommandLines('docs/x.md', text), [
    'docs/x.md:2: --database-url "$TESSERA_DATABASE_URL" puts the URL in ps; the command reads TESSERA_DATABASE_URL itself',
    'docs/x.md:3: --database-url postgres://tessera:change-me@db:5432/tessera?sslmode=verify-full puts a password in ps',
    'docs/x.md:4: --before postgresql://t:pw@db/before puts a password in ps',
  ]);
});

test('no tessera command line of the docs shows a database password in ps', () => {
  assert.deepEqual(
    PAGES.flatMap((page) => passwordsOnCommandLines(page, readFileSync(join(ROOT, page), 'utf8'))),
    [],
  );
});

/** The example lines of every command's --help (`  $ tessera ...`), as a fenced block for the checks above. */
function helpExamples(): string {
  const lines: string[] = [];
  const visit = (command: Command) => {
    let text = '';
    command.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
    command.outputHelp();
    lines.push(...text.split('\n').filter((line) => /^\s+(\$ )?tessera\s/.test(line)));
    command.commands.forEach(visit);
  };
  visit(program);
  return ['```sh', ...lines.map((line) => line.trim().replace(/^\$ /, '')), '```'].join('\n');
}

test("every example of every command's --help uses commands and options that exist, and shows no database password", () => {
  const examples = helpExamples();
  const { problems, checked } = checkPage('--help', examples);
  assert.deepEqual(problems, []);
  assert.ok(checked > 50, `the --help texts hold examples to check (${checked})`);
  assert.deepEqual(passwordsOnCommandLines('--help', examples), []);
});

test('every option of every command but serve is on a line of docs/cli.md that names the command', () => {
  const cliMd = readFileSync(join(ROOT, 'docs/cli.md'), 'utf8');
  assert.deepEqual(undocumentedOptions(cliMd), []);
  assert.ok(undocumentedOptions('').length > 50, 'an empty page documents nothing');
  for (const option of SHARED_OPTIONS) assert.ok(cliMd.includes(`\`${option}`), `docs/cli.md describes ${option}`);
});

test('every tessera command and long option the docs print exists in its --help', () => {
  const results = PAGES.map((page) => checkPage(page, readFileSync(join(ROOT, page), 'utf8')));
  assert.deepEqual(
    results.flatMap((r) => r.problems),
    [],
  );
  const checked = results.reduce((sum, r) => sum + r.checked, 0);
  assert.ok(checked > 100, `the docs hold tessera command lines to check (${checked})`);
});

test("the flag columns of configuration.md's table and the README's serve table match tessera serve --help, both ways", () => {
  const serve = subcommand(program, 'serve')!;
  const shown = helpOptions(serve);
  const flagsIn = (text: string, column: number) =>
    new Set(
      text
        .split('\n')
        .filter((line) => line.startsWith('| '))
        .flatMap((line) => [...(line.split(/(?<!\\)\|/)[column] ?? '').matchAll(/--[a-z][a-z0-9-]*/g)].map((m) => m[0])),
    );
  const configuration = flagsIn(readFileSync(join(ROOT, 'docs/configuration.md'), 'utf8'), 2);
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const running = flagsIn(readme.slice(readme.indexOf('## Running it'), readme.indexOf('More in [docs/configuration.md]')), 1);
  assert.ok(configuration.size > 20 && running.size > 15, `${configuration.size} and ${running.size} flags`);
  assert.deepEqual([...configuration, ...running].filter((flag) => !shown.has(flag)), [], 'documented flags serve --help lacks');
  assert.deepEqual(
    [...shown].filter((flag) => flag !== '--help' && !configuration.has(flag)),
    [],
    "serve's flags missing from docs/configuration.md's table",
  );
});
