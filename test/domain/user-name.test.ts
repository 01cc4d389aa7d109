import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  displayNameProblem,
  duplicateNameMessage,
  lookalikeOf,
  looksLikeName,
  nameKey,
  signInAccount,
  userNameProblem,
} from '../../src/domain/user-name.js';

test('names of any script, with inner spaces and a later "@", are user names', () => {
  for (const name of [
    'alice',
    'a',
    'x'.repeat(128),
    'jane@example.com',
    'anne marie',
    'o\u2019brien',
    '\u0131\u015F\u0131k', // Turkish dotless i: NFKC leaves it alone
    '\u0130stanbul',
    'Jos\u00E9',
    'M\u00FCller',
    '\u5C71\u7530\u592A\u90CE',
    '\uD55C\uAD6D\uC5B4',
    '\u0645\u0631\u064A\u0645',
    '\u0391\u03B8\u03B7\u03BD\u03AC',
    'd.o_e-1',
    'emoji\u{1F600}',
  ]) {
    assert.equal(userNameProblem(name), null, JSON.stringify(name));
  }
});

test('length: 1 to 128 characters', () => {
  assert.match(userNameProblem('')!, /1-128 characters/);
  assert.match(userNameProblem('x'.repeat(129))!, /1-128 characters/);
});

test('every C0 and C1 control and DEL is refused, naming the code point', () => {
  for (let cp = 0; cp <= 0x9f; cp++) {
    if (cp > 0x1f && cp < 0x7f) continue;
    const ch = String.fromCodePoint(cp);
    const hex = cp.toString(16).toUpperCase().padStart(4, '0');
    assert.equal(userNameProblem(`ab${ch}c`), `name must not contain control characters (it holds U+${hex})`, hex);
  }
});

test('bidi controls and invisible characters are refused', () => {
  for (const cp of [0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0x200e, 0x200f, 0x061c]) {
    assert.match(userNameProblem(`a${String.fromCodePoint(cp)}b`)!, /bidirectional text controls/, cp.toString(16));
  }
  for (const cp of [0x200b, 0x200c, 0x200d, 0x2060, 0xfeff, 0x00ad, 0x034f, 0x3164, 0x115f, 0xfe0f, 0xe0041]) {
    assert.match(userNameProblem(`a${String.fromCodePoint(cp)}b`)!, /zero-width or other invisible characters/, cp.toString(16));
  }
  assert.match(userNameProblem('a\uD800b')!, /well-formed Unicode, without a lone surrogate \(it holds U\+D800\)/);
});

test('whitespace: never at either end, and inside only the plain space', () => {
  for (const ws of [' ', '\u00A0', '\u1680', '\u2000', '\u2003', '\u200A', '\u202F', '\u205F', '\u3000', '\u2028', '\u2029']) {
    assert.match(userNameProblem(`${ws}alice`)!, /must not start or end with a space or other whitespace/, JSON.stringify(ws));
    assert.match(userNameProblem(`alice${ws}`)!, /must not start or end with a space or other whitespace/, JSON.stringify(ws));
    if (ws !== ' ') assert.match(userNameProblem(`al${ws}ice`)!, /other than the plain space U\+0020/, JSON.stringify(ws));
  }
});

test('compatibility forms NFKC folds are refused, with the spelling to use', () => {
  assert.equal(
    userNameProblem('\uFF41lice'),
    'name must be written in Unicode normalization form NFKC: no compatibility forms such as fullwidth letters or ligatures, no decomposed accents (write "alice")',
  );
  assert.match(userNameProblem('\uFB01le')!, /\(write "file"\)/);
  assert.match(userNameProblem('x\u00B2')!, /\(write "x2"\)/);
  assert.match(userNameProblem('\u2160\u2163')!, /\(write "IIV"\)/);
  assert.match(userNameProblem('jose\u0301')!, /\(write "jos\u00E9"\)/);
  assert.match(userNameProblem('\uFF71\uFF72')!, /NFKC/, 'halfwidth katakana');
  // Folding into a reserved character: refused, without suggesting a name that is refused too.
  assert.match(userNameProblem('a\uFF0Fb')!, /NFKC[^(]*$/);
});

test('VCD\u2019s reserved characters anywhere, "@" only first; the message says so', () => {
  for (const ch of '/\\:*?"<>|') {
    assert.equal(userNameProblem(`a${ch}b`), 'name must not contain any of / \\ : * ? " < > |', ch);
  }
  assert.equal(userNameProblem('@alice'), 'name must not start with "@" (an "@" later in the name is fine)');
  assert.equal(userNameProblem('alice@'), null);
});

test('stacked combining marks: up to four on a character are writing, five or more are refused (they drew over other rows)', () => {
  for (const name of ['Nguyễn', 'བསྒྲུབས', 'e\u0301\u0302\u0303\u0304']) {
    assert.equal(displayNameProblem('name', name), null, name);
  }
  const zalgo = 'Z' + '\u0301'.repeat(120);
  assert.match(displayNameProblem('name', zalgo) ?? '', /must not stack more than four combining marks/);
  assert.match(displayNameProblem('name', 'e\u0301\u0302\u0303\u0304\u0305') ?? '', /U\+0301/);
  assert.match(userNameProblem(zalgo.normalize('NFKC')) ?? '', /combining marks/);
});

test('nameKey: one key for every spelling of a name (case, decomposed accents, width, ligatures), another for another name', () => {
  for (const [a, b] of [
    ['Jos\u00E9', 'JOSE\u0301'],
    ['\uFF2Aos\u00E9', 'jos\u00E9'],
    ['\uFB01nance', 'FINANCE'],
    ['\u0130stanbul', '\u0130STANBUL'],
  ]) {
    assert.equal(nameKey(a!), nameKey(b!), `${a} ~ ${b}`);
    assert.ok(looksLikeName(a!, b!));
  }
  for (const [a, b] of [
    ['Jose', 'Jos\u00E9'],
    ['\u0131', 'i'],
    ['stra\u00DFe', 'strasse'],
  ]) {
    assert.notEqual(nameKey(a!), nameKey(b!), `${a} vs ${b}`);
  }
  assert.equal(signInAccount('Jose\u0301', 'ACME'), signInAccount('jos\u00E9', 'acme'));
});

test('lookalikeOf and duplicateNameMessage', () => {
  const roles = [
    { id: '1', name: 'Caf\u00E9' },
    { id: '2', name: 'Ops' },
  ];
  assert.equal(lookalikeOf(roles, 'cafe\u0301')?.id, '1');
  assert.equal(lookalikeOf(roles, 'Caf\u00E9', '1'), undefined, 'a role renamed to its own name');
  assert.equal(lookalikeOf(roles, 'Dev'), undefined);
  assert.equal(duplicateNameMessage('role', 'OPS', 'Ops'), 'A role named "OPS" already exists');
  assert.match(
    duplicateNameMessage('role', '\uFF2Fps', 'Ops'),
    /^A role named "Ops" already exists, and "\uFF2Fps" would be read as the same name/,
  );
});
