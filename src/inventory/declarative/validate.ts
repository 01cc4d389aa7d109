/**
 * Reads an inventory file (YAML or JSON text) and checks it against the published schema (document-schema.ts)
 * with ajv. Every problem names the JSON pointer and, for text input, the line and column: YAML is read with
 * the `yaml` package's parseDocument, whose nodes keep their source ranges, so a pointer maps back to the place
 * it was written. JSON is read with JSON.parse (a 100,000-VM file in a fraction of the time) and parsed as YAML
 * (a superset of JSON) only when there are problems to locate. Text that does not parse gives one problem, its
 * first syntax error with the parser's line and column and no pointer; the schema is not checked (no cascade).
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { parse as parseJsonc, type ParseError } from 'jsonc-parser';
import { InventoryFile, SyncBatch, type InventoryFileDoc, type SyncBatchDoc } from './document-schema.js';
import type { InventoryProblem } from './plan.js';

export interface LocatedProblem extends InventoryProblem {
  /** 1-based, when the document came from text. */
  readonly line?: number;
  readonly column?: number;
  /** The text is not YAML or JSON: there is no document, so no pointer is printed. */
  readonly syntax?: true;
}

export class InventoryDocumentError extends Error {
  readonly problems: readonly LocatedProblem[];
  constructor(problems: readonly LocatedProblem[]) {
    super(`${problems.length} problem(s) in the inventory document; nothing was changed`);
    this.problems = problems;
  }
}

/** How many schema problems are listed (the first ones; a wrong file can have thousands). */
const MAX_REPORTED = 50;
/** YAML aliases expand: a small file must not turn into gigabytes ("billion laughs"). */
const MAX_ALIAS_COUNT = 1000;

let ajv: Ajv | undefined;
const compiled = new Map<object, ValidateFunction>();
function validatorFor(schema: object): ValidateFunction {
  ajv ??= new Ajv({ allErrors: true, strict: false });
  let fn = compiled.get(schema);
  if (!fn) {
    fn = ajv.compile(schema);
    compiled.set(schema, fn);
  }
  return fn;
}

/** One readable line per ajv error, deduplicated (a union reports every branch). */
function schemaProblems(errors: readonly ErrorObject[]): InventoryProblem[] {
  const out = new Map<string, InventoryProblem>();
  for (const e of errors) {
    let message = e.message ?? 'is invalid';
    if (e.keyword === 'additionalProperties')
      message = `unknown property "${(e.params as { additionalProperty: string }).additionalProperty}"`;
    else if (e.keyword === 'required') message = `missing property "${(e.params as { missingProperty: string }).missingProperty}"`;
    else if (e.keyword === 'const') message = `must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`;
    else if (e.keyword === 'anyOf') message = 'is not one of the allowed values';
    else if (e.keyword === 'pattern')
      message = `has a character or form that is not allowed (${e.schemaPath.split('/').slice(-2, -1)[0] ?? 'pattern'})`;
    const key = `${e.instancePath}\u0000${message}`;
    // A union's branches each fail with const; the anyOf line says it once.
    if (e.keyword === 'const' && e.schemaPath.includes('anyOf')) continue;
    if (!out.has(key)) out.set(key, { pointer: e.instancePath, message });
    if (out.size >= MAX_REPORTED) break;
  }
  return [...out.values()];
}

/** Validates a parsed value against a schema; throws InventoryDocumentError (without positions) when it fails. */
export function checkAgainstSchema<T>(schema: object, value: unknown): T {
  const validate = validatorFor(schema);
  if (!validate(value)) throw new InventoryDocumentError(schemaProblems(validate.errors ?? []));
  return value as T;
}

export const checkSyncBatch = (value: unknown) => checkAgainstSchema<SyncBatchDoc>(SyncBatch, value);

interface ParsedText {
  doc: Document.Parsed;
  lines: LineCounter;
}

function parseYamlText(text: string): ParsedText {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false, strict: true });
  return { doc, lines };
}

/** Line and column of the node at `pointer` (or of its nearest existing ancestor). */
export function locate(parsed: ParsedText, pointer: string): { line: number; column: number } | undefined {
  const segments =
    pointer === ''
      ? []
      : pointer
          .slice(1)
          .split('/')
          .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  let node: unknown = parsed.doc.contents;
  let found = node;
  for (const segment of segments) {
    if (isMap(node)) {
      const pair = node.items.find((p) => String((p.key as { value?: unknown } | null)?.value ?? p.key) === segment);
      node = pair?.value ?? undefined;
    } else if (isSeq(node)) node = node.items[Number(segment)];
    else node = undefined;
    if (node === undefined || node === null) break;
    found = node;
  }
  const range = (found as { range?: [number, number, number] } | null)?.range;
  if (!range) return undefined;
  const { line, col } = parsed.lines.linePos(range[0]);
  return { line, column: col };
}

function withPositions(parsed: ParsedText, problems: readonly InventoryProblem[]): LocatedProblem[] {
  return problems.map((p) => ({ ...p, ...locate(parsed, p.pointer) }));
}

/**
 * Parses and validates an inventory file's text. Returns the document and a `locate` for later (referential)
 * problems; throws InventoryDocumentError with positions when the text is not a valid inventory file.
 */
export function readInventoryFile(text: string): {
  doc: InventoryFileDoc;
  locate: (problems: readonly InventoryProblem[]) => LocatedProblem[];
} {
  let value: unknown;
  let parsed: ParsedText | undefined;
  // A byte-order mark (editors on Windows) is not part of the document; JSON.parse refuses it.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lazyParsed = () => (parsed ??= parseYamlText(body));
  if (body.trimStart().startsWith('{')) {
    try {
      value = JSON.parse(body);
    } catch (error) {
      // V8 names the offset in most messages ("... in JSON at position 52", Node 22+ adds "(line 4 column 23)"),
      // not in all ("Unexpected token '}', "<a piece of the text>" is not valid JSON"): then the scan finds it. The
      // place goes in front, and the piece of text (which can hold line breaks) is left out.
      let message = (error as Error).message;
      const at = /\s+in JSON at position (\d+)(?: \(line \d+ column \d+\))?/.exec(message);
      const offset = at ? Number(at[1]) : jsonErrorOffset(body);
      message = (at ? message.replace(at[0], '') : message)
        .replace(/, (?:\.\.\.)?"[\s\S]*"(?:\.\.\.)? is not valid JSON$/, '')
        .replace(/\s+/g, ' ');
      throw syntaxError(`not valid JSON: ${message}`, lineAndColumn(body, offset));
    }
  } else {
    const p = lazyParsed();
    if (p.doc.errors.length > 0) {
      // The first error only: after it the parser recovers by guessing, and what follows is often its echo (a
      // tab-indented file gives one error per line and more). `linePos` is only set with prettyErrors, whose
      // messages carry a code frame, so the position comes from the error's offset.
      const first = p.doc.errors.reduce((a, b) => (b.pos[0] < a.pos[0] ? b : a));
      const { line, col } = p.lines.linePos(first.pos[0]);
      throw syntaxError(`not valid YAML: ${first.message.split('\n')[0]}`, { line, column: col });
    }
    try {
      value = p.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (error) {
      throw new InventoryDocumentError([{ pointer: '', message: `not a usable YAML document: ${(error as Error).message}` }]);
    }
  }
  const validate = validatorFor(InventoryFile);
  if (!validate(value)) throw new InventoryDocumentError(withPositions(lazyParsed(), schemaProblems(validate.errors ?? [])));
  return { doc: value as InventoryFileDoc, locate: (problems) => withPositions(lazyParsed(), problems) };
}

const syntaxError = (message: string, at: { line: number; column: number }) =>
  new InventoryDocumentError([{ pointer: '', message, ...at, syntax: true }]);

/** 1-based line and column of a character offset (the end of the text for an offset past it). */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  const end = Math.min(offset, text.length);
  for (let i = text.indexOf('\n'); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) {
    line++;
    last = i;
  }
  return { line, column: end - last };
}

/**
 * The offset at which `text` stops being JSON, for JSON.parse messages that name none (Node 20's "Unexpected token
 * '}', ... is not valid JSON"): jsonc-parser (VS Code's) reports every error with its offset. Strict JSON: no
 * comments, no trailing commas. The text's length when it finds nothing (it ended too soon).
 */
function jsonErrorOffset(text: string): number {
  const errors: ParseError[] = [];
  parseJsonc(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  return errors[0]?.offset ?? text.length;
}

/** "file.yaml:12:7: /orgs/0/vdcs/1/name: message"; a syntax error: "file.yaml:12:7: not valid YAML: message" */
export function formatProblem(file: string, p: LocatedProblem): string {
  const where = p.line !== undefined ? `${file}:${p.line}:${p.column}` : file;
  if (p.syntax) return `${where}: ${p.message}`;
  return `${where}: ${p.pointer === '' ? '(document)' : p.pointer}: ${p.message}`;
}

let coercingAjv: Ajv | undefined;
let firstErrorAjv: Ajv | undefined;
/** The error handler shows client messages under 300 characters (http/error-handler.ts). */
const bounded = (message: string) => (message.length > 280 ? `${message.slice(0, 277)}...` : message);
/**
 * A fastify validatorCompiler for the sync API's routes: bodies are checked strictly (an unknown property is a
 * 400, where fastify's default validator would silently drop it, and nothing is coerced); path and query
 * parameters, which arrive as text, are coerced to the schema's numbers.
 */
export function strictValidatorCompiler({ schema, httpPart }: { schema: object; httpPart?: string }) {
  if (httpPart === 'body') {
    // First error only, unlike a file's check (which lists up to MAX_REPORTED problems for its author): collecting
    // every error of an 8 MiB body of millions of items took 10 s of the event loop and 2 GB (a bound like maxItems
    // is checked before the items, so an over-long batch now fails at once).
    firstErrorAjv ??= new Ajv({ allErrors: false, strict: false });
    const validate = firstErrorAjv.compile(schema);
    return (data: unknown) =>
      validate(data)
        ? { value: data }
        : {
            error: new Error(
              bounded(
                schemaProblems(validate.errors ?? [])
                  .map((p) => `body${p.pointer}: ${p.message}`)
                  .join('; '),
              ),
            ),
          };
  }
  coercingAjv ??= new Ajv({ coerceTypes: true, strict: false });
  const validate = coercingAjv.compile(schema);
  return (data: unknown) =>
    validate(data)
      ? { value: data }
      : { error: new Error(bounded(`${httpPart ?? 'request'}: ${coercingAjv!.errorsText(validate.errors)}`)) };
}
