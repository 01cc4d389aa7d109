/**
 * An inventory file that is not valid YAML or JSON: its first syntax error, at the line and column the parser
 * reports, printed as FILE:LINE:COLUMN: message (no JSON pointer: there is no document to point into), and
 * nothing else: no schema problems of a document that did not parse, no cascade of the parser's later errors.
 * JSON's position comes from JSON.parse's offset, or, when its message gives none, from jsonc-parser's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatProblem,
  InventoryDocumentError,
  readInventoryFile,
  type LocatedProblem,
} from '../../../src/inventory/declarative/validate.js';

const GOOD = `version: 1
orgs:
  - name: acme
    vdcs:
      - name: prod
        vapps:
          - name: web
            vms:
              - { name: web-01, cpus: 2 }
              - { name: web-02 }
  - name: newco
`;

/** The problems readInventoryFile throws for `text`. */
function problemsOf(text: string): readonly LocatedProblem[] {
  try {
    readInventoryFile(text);
  } catch (error) {
    assert.ok(error instanceof InventoryDocumentError, String(error));
    return error.problems;
  }
  assert.fail('the text was accepted');
}

test('a YAML syntax error is printed as FILE:LINE:COLUMN: message, where the parser puts it', () => {
  // An unclosed flow sequence: the parser notices at the next item (line 5, column 3).
  const problems = problemsOf('version: 1\norgs:\n  - name: acme\n    vdcs: [ { name: v1 }\n  - name: other\n');
  assert.equal(problems.length, 1, JSON.stringify(problems));
  assert.equal(problems[0]!.line, 5);
  assert.equal(problems[0]!.column, 3);
  assert.equal(
    formatProblem('bad.yaml', problems[0]!),
    'bad.yaml:5:3: not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]',
  );
});

test('a mangled YAML file gives its first syntax error, not a cascade', () => {
  // Tabs for indentation: the parser reports one error per line and more that follow from them.
  const mangled = GOOD.replace(/ {2}/g, '\t');
  const problems = problemsOf(mangled);
  assert.equal(problems.length, 1, JSON.stringify(problems));
  assert.equal(formatProblem('bad.yaml', problems[0]!), 'bad.yaml:3:1: not valid YAML: Tabs are not allowed as indentation');
  // A file that parses but breaks the schema keeps its problems with pointers (FILE:LINE:COLUMN: POINTER: message).
  const schema = problemsOf(GOOD.replace('cpus: 2', 'cpus: 0'));
  assert.equal(formatProblem('bad.yaml', schema[0]!), 'bad.yaml:9:39: /orgs/0/vdcs/0/vapps/0/vms/0/cpus: must be >= 1');
});

test('a JSON syntax error is located from JSON.parse offset, and without one from the text', () => {
  const json = (body: string) => `{\n  "version": 1,\n  "orgs": [\n    ${body}\n  ]\n}\n`;
  const located = (text: string) => {
    const problems = problemsOf(text);
    assert.equal(problems.length, 1, JSON.stringify(problems));
    return formatProblem('bad.json', problems[0]!);
  };
  // JSON.parse gives an offset ("... at position 52"): the message keeps its words, the place moves to the front.
  assert.equal(located(json('{ "name": "acme", }')), 'bad.json:4:23: not valid JSON: Expected double-quoted property name');
  // Messages with no offset on Node 20 ("Unexpected token '}', ... is not valid JSON"): jsonc-parser finds the place.
  assert.equal(located(json('{ "name": "acme", "vdcs": [} }')), `bad.json:4:32: not valid JSON: Unexpected token '}'`);
  assert.match(located(json('{ "name": "acme", "demo": tru }')), /^bad\.json:4:31: not valid JSON: /); // at the bad literal
  // Cut short: the end of the text.
  assert.match(located('{\n  "version": 1,\n  "orgs": [\n'), /^bad\.json:4:1: not valid JSON: /);
  // A byte-order mark is not an error.
  assert.equal(readInventoryFile(`\ufeff${json('{ "name": "acme" }')}`).doc.orgs[0]!.name, 'acme');
});
