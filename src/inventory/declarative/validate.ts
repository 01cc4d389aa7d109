/**
 * Reads an inventory file (YAML or JSON text) and checks it against the published schema (document-schema.ts)
 * with ajv. Every problem names the JSON pointer and, for text input, the line and column: YAML is read with
 * the `yaml` package's parseDocument, whose nodes keep their source ranges, so a pointer maps back to the place
 * it was written. JSON is read with JSON.parse (a 100,000-VM file in a fraction of the time) and parsed as YAML
 * (a superset of JSON) only when there are problems to locate.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { InventoryFile, SyncBatch, type InventoryFileDoc, type SyncBatchDoc } from './document-schema.js';
import type { InventoryProblem } from './plan.js';

export interface LocatedProblem extends InventoryProblem {
  /** 1-based, when the document came from text. */
  readonly line?: number;
  readonly column?: number;
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
  const lazyParsed = () => (parsed ??= parseYamlText(text));
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{')) {
    try {
      value = JSON.parse(text);
    } catch (error) {
      const m = /position (\d+)/.exec((error as Error).message);
      const pos = m ? new LineCounterAt(text).at(Number(m[1])) : undefined;
      throw new InventoryDocumentError([{ pointer: '', message: `not valid JSON: ${(error as Error).message}`, ...pos }]);
    }
  } else {
    const p = lazyParsed();
    if (p.doc.errors.length > 0) {
      throw new InventoryDocumentError(
        p.doc.errors.slice(0, MAX_REPORTED).map((e) => ({
          pointer: '',
          message: `not valid YAML: ${e.message.split('\n')[0]}`,
          ...(e.linePos ? { line: e.linePos[0].line, column: e.linePos[0].col } : {}),
        })),
      );
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

/** Line/column of a character offset, for JSON.parse's "at position N". */
class LineCounterAt {
  private readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  at(offset: number): { line: number; column: number } {
    let line = 1;
    let last = -1;
    for (let i = 0; i < offset && i < this.text.length; i++) {
      if (this.text.charCodeAt(i) === 10) {
        line++;
        last = i;
      }
    }
    return { line, column: offset - last };
  }
}

/** "file.yaml:12:7: /orgs/0/vdcs/1/name: message" */
export function formatProblem(file: string, p: LocatedProblem): string {
  const where = p.line !== undefined ? `${file}:${p.line}:${p.column}` : file;
  return `${where}: ${p.pointer === '' ? '(document)' : p.pointer}: ${p.message}`;
}

let coercingAjv: Ajv | undefined;
/** The error handler shows client messages under 300 characters (http/error-handler.ts). */
const bounded = (message: string) => (message.length > 280 ? `${message.slice(0, 277)}...` : message);
/**
 * A fastify validatorCompiler for the sync API's routes: bodies are checked strictly (an unknown property is a
 * 400, where fastify's default validator would silently drop it, and nothing is coerced); path and query
 * parameters, which arrive as text, are coerced to the schema's numbers.
 */
export function strictValidatorCompiler({ schema, httpPart }: { schema: object; httpPart?: string }) {
  if (httpPart === 'body') {
    const validate = validatorFor(schema);
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
