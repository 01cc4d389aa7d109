/**
 * Every `tessera ... --help`, read as a newcomer reads it: each example is a command line to copy, written
 * `$ tessera ...` as on every other command (serve's and seed's lacked the `$ ` until 2026-12-07, with their
 * comments run into the command line without a `#`); a required option says so (commander's help does not: the
 * newcomer learnt it from the error); and `--data-dir` names its default on every command that has it, not only
 * on serve.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/index.js';

interface Page {
  name: string;
  command: Command;
  text: string;
}

/** The full --help of every command and subcommand, as printed (the text added after the options included). */
function helpPages(): Page[] {
  const pages: Page[] = [];
  const walk = (command: Command, name: string) => {
    let text = '';
    command.configureOutput({ writeOut: (s) => (text += s), getOutHelpWidth: () => 200 });
    command.outputHelp();
    pages.push({ name, command, text });
    for (const sub of command.commands) if (sub.name() !== 'help') walk(sub, `${name} ${sub.name()}`);
  };
  walk(buildProgram(), 'tessera');
  return pages;
}

const pages = helpPages();

/** The indented lines under `Examples:`, up to the first line that is not indented. */
function exampleLines(text: string): string[] {
  const start = text.indexOf('\nExamples:\n');
  if (start < 0) return [];
  const lines: string[] = [];
  for (const line of text.slice(start + '\nExamples:\n'.length).split('\n')) {
    if (!line.startsWith('  ')) break;
    lines.push(line);
  }
  return lines;
}

test('every example is a command line written `$ ...` (or `PS> ...` for PowerShell), comments after a #', () => {
  const examples = pages.flatMap((p) => exampleLines(p.text).map((line) => ({ page: p.name, line })));
  assert.ok(examples.length >= 40, `${examples.length} example lines`);
  assert.ok(
    pages.filter((p) => p.name === 'tessera serve' || p.name === 'tessera seed').every((p) => exampleLines(p.text).length >= 2),
    'serve and seed have examples',
  );
  assert.deepEqual(
    examples.filter(({ line }) => !/^ {2}(\$|PS>) \S/.test(line)),
    [],
  );
  // A comment is `# ...` or `(...)` after the command: words run on after it are read by the shell.
  assert.deepEqual(
    examples.filter(({ line }) => / {3,}(?![#( ])\S/.test(line.replace(/^ {2}/, ''))),
    [],
  );
});

test('a required option says (required); admin user list\'s --in is the org listed, not "the user\'s"', () => {
  const required = pages.flatMap((p) => p.command.options.filter((o) => o.mandatory).map((o) => ({ page: p, flags: o.flags })));
  assert.ok(required.length >= 6, `${required.length} required options`);
  for (const { page, flags } of required) {
    const entry = page.text.slice(page.text.indexOf(`  ${flags} `)).split(/\n {2}-/)[0]!;
    assert.match(entry.replace(/\s+/g, ' '), /\(required\)/, `${page.name} ${flags}`);
  }
  const list = pages.find((p) => p.name === 'tessera admin user list')!;
  assert.match(list.text.replace(/\s+/g, ' '), /--in <org> the organization whose users to list \(required\)/);
});

test('--data-dir names its default wherever it is offered', () => {
  const withDataDir = pages.filter((p) => p.command.options.some((o) => o.long === '--data-dir'));
  assert.ok(withDataDir.length >= 8, withDataDir.map((p) => p.name).join(', '));
  for (const page of withDataDir) {
    const entry = page.text.slice(page.text.indexOf('  --data-dir <dir>')).split(/\n {2}-/)[0]!;
    assert.match(entry.replace(/\s+/g, ' '), /default \.tessera\)/, page.name);
  }
});
