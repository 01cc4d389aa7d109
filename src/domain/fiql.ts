/**
 * FIQL filters as VCD's query service and CloudAPI accept them (vcd-wire §7 and §9.1), parsed into an AST.
 * Pure: no SQL here (src/store/fiql-sql.ts turns the AST into a kysely where-expression).
 *
 *   filter      := or
 *   or          := and ( ',' and )*
 *   and         := constraint ( ';' constraint )*
 *   constraint  := '(' or ')' | comparison
 *   comparison  := selector operator argument
 *   selector    := [A-Za-z0-9_.:@-]+                    e.g. `name`, `owner.name`, `metadata:env`
 *   operator    := '==' | '!=' | '=lt=' | '=le=' | '=gt=' | '=ge='
 *   argument    := one or more characters up to an unescaped ';' ',' or closing ')'
 *
 * In an argument `\x` is the literal character x (VCD: "escape ( ) , ; \ with a backslash") and an unescaped `*`
 * is a wildcard. Arguments may hold `=`, `:` and `/`, so hrefs parse as they are
 * (`vdc==https://h:443/api/vdc/<uuid>`). Leniency that real filters need: balanced parentheses inside an argument
 * are literal, so `guestOs==Ubuntu Linux (64-bit)` parses without escapes.
 *
 * @example
 *   parseFiql('isVAppTemplate==false;(name==web*,name==db\\*)')
 *   // { kind: 'and', children: [
 *   //   { kind: 'comparison', selector: 'isVAppTemplate', operator: '==', value: 'false', wildcard: null },
 *   //   { kind: 'or', children: [
 *   //     { kind: 'comparison', selector: 'name', operator: '==', value: 'web*', wildcard: ['web', ''] },
 *   //     { kind: 'comparison', selector: 'name', operator: '==', value: 'db*', wildcard: null } ] } ] }
 */

export const FIQL_OPERATORS = ['==', '!=', '=lt=', '=le=', '=gt=', '=ge='] as const;
export type FiqlOperator = (typeof FIQL_OPERATORS)[number];

export interface FiqlComparison {
  readonly kind: 'comparison';
  readonly selector: string;
  readonly operator: FiqlOperator;
  /** The argument with escapes resolved. For a wildcard argument, each unescaped `*` is kept as `*`. */
  readonly value: string;
  /**
   * Null for an exact argument. For an argument with unescaped `*`: the literal pieces between the wildcards,
   * so `web*` is `['web', '']` and `*a\*b*` is `['', 'a*b', '']` (always one more piece than wildcards).
   */
  readonly wildcard: readonly string[] | null;
}

export interface FiqlLogical {
  readonly kind: 'and' | 'or';
  /** Two or more; `a;b;c` is one node with three children. */
  readonly children: readonly FiqlNode[];
}

export type FiqlNode = FiqlComparison | FiqlLogical;

/** Parentheses deeper than this are refused, so a hostile filter cannot exhaust the stack. */
export const FIQL_MAX_DEPTH = 32;
/** Longer filters are refused before parsing (URLs are bounded anyway; this keeps the error explicit). */
export const FIQL_MAX_LENGTH = 8192;

/** The prefix VCD uses for every bad filter (govcd quotes it, see vcd-wire §7). */
export const FIQL_ERROR_PREFIX = 'Cannot parse the supplied filter';

export class FiqlSyntaxError extends Error {
  /** What is wrong, without the common prefix, e.g. `unknown operator "=foo=" at position 4`. */
  readonly detail: string;
  /** Zero-based offset into the filter where the problem was found. */
  readonly position: number;

  constructor(detail: string, position: number) {
    super(`${FIQL_ERROR_PREFIX}: ${detail}`);
    this.name = 'FiqlSyntaxError';
    this.detail = detail;
    this.position = position;
  }
}

const SELECTOR_CHAR = /[A-Za-z0-9_.:@-]/;
const NAMED_OPERATOR = /^=([a-z]+)=/;

/** Parses a FIQL filter; throws FiqlSyntaxError (message starts with `Cannot parse the supplied filter`). */
export function parseFiql(input: string): FiqlNode {
  if (input.length > FIQL_MAX_LENGTH) {
    throw new FiqlSyntaxError(`the filter is longer than ${FIQL_MAX_LENGTH} characters`, FIQL_MAX_LENGTH);
  }
  const parser = new Parser(input);
  return parser.parseFilter();
}

class Parser {
  private readonly text: string;
  private pos = 0;
  private depth = 0;

  constructor(text: string) {
    this.text = text;
  }

  parseFilter(): FiqlNode {
    if (this.text.trim() === '') throw new FiqlSyntaxError('the filter is empty', 0);
    const node = this.parseOr();
    if (this.pos < this.text.length) {
      const c = this.text[this.pos];
      throw new FiqlSyntaxError(
        c === ')' ? `unbalanced ")" at position ${this.pos}` : `unexpected "${c}" at position ${this.pos}`,
        this.pos,
      );
    }
    return node;
  }

  private parseOr(): FiqlNode {
    const children = [this.parseAnd()];
    while (this.text[this.pos] === ',') {
      this.pos++;
      children.push(this.parseAnd());
    }
    return children.length === 1 ? children[0]! : { kind: 'or', children };
  }

  private parseAnd(): FiqlNode {
    const children = [this.parseConstraint()];
    while (this.text[this.pos] === ';') {
      this.pos++;
      children.push(this.parseConstraint());
    }
    return children.length === 1 ? children[0]! : { kind: 'and', children };
  }

  private parseConstraint(): FiqlNode {
    if (this.text[this.pos] !== '(') return this.parseComparison();
    const open = this.pos;
    if (++this.depth > FIQL_MAX_DEPTH) {
      throw new FiqlSyntaxError(`parentheses are nested deeper than ${FIQL_MAX_DEPTH} levels`, open);
    }
    this.pos++;
    const inner = this.parseOr();
    if (this.text[this.pos] !== ')') {
      throw new FiqlSyntaxError(`the "(" at position ${open} is never closed`, this.pos);
    }
    this.pos++;
    this.depth--;
    return inner;
  }

  private parseComparison(): FiqlComparison {
    const start = this.pos;
    while (this.pos < this.text.length && SELECTOR_CHAR.test(this.text[this.pos]!)) this.pos++;
    const selector = this.text.slice(start, this.pos);
    if (selector === '') {
      const found = this.pos < this.text.length ? `"${this.text[this.pos]}"` : 'the end of the filter';
      throw new FiqlSyntaxError(`expected a field name at position ${start}, found ${found}`, start);
    }
    const operator = this.parseOperator(selector);
    const { value, wildcard } = this.parseArgument(selector, operator);
    return { kind: 'comparison', selector, operator, value, wildcard };
  }

  private parseOperator(selector: string): FiqlOperator {
    const at = this.pos;
    const rest = this.text.slice(at);
    if (rest.startsWith('==') || rest.startsWith('!=')) {
      this.pos += 2;
      return rest.slice(0, 2) as FiqlOperator;
    }
    const named = NAMED_OPERATOR.exec(rest);
    if (named) {
      const op = named[0];
      if (!(FIQL_OPERATORS as readonly string[]).includes(op)) {
        throw new FiqlSyntaxError(`unknown operator "${op}" at position ${at}`, at);
      }
      this.pos += op.length;
      return op as FiqlOperator;
    }
    throw new FiqlSyntaxError(`expected an operator (${FIQL_OPERATORS.join(' ')}) after "${selector}" at position ${at}`, at);
  }

  private parseArgument(selector: string, operator: FiqlOperator): { value: string; wildcard: string[] | null } {
    const start = this.pos;
    const pieces: string[] = [];
    let piece = '';
    let value = '';
    let hasWildcard = false;
    let literalParens = 0; // balanced "(...)" inside a value are part of it
    while (this.pos < this.text.length) {
      const c = this.text[this.pos]!;
      if (c === '\\') {
        const next = this.text[this.pos + 1];
        if (next === undefined) throw new FiqlSyntaxError(`a "\\" at the end of the filter escapes nothing`, this.pos);
        piece += next;
        value += next;
        this.pos += 2;
        continue;
      }
      if (c === ';' || c === ',') break;
      if (c === ')') {
        if (literalParens === 0) break;
        literalParens--;
      } else if (c === '(') {
        literalParens++;
      }
      if (c === '*') {
        hasWildcard = true;
        pieces.push(piece);
        piece = '';
      } else {
        piece += c;
      }
      value += c;
      this.pos++;
    }
    if (this.pos === start) {
      throw new FiqlSyntaxError(`missing value after "${selector}${operator}" at position ${start}`, start);
    }
    if (literalParens > 0) {
      throw new FiqlSyntaxError(`unbalanced "(" in the value of "${selector}" (escape it as "\\(")`, this.pos);
    }
    pieces.push(piece);
    return { value, wildcard: hasWildcard ? pieces : null };
  }
}

const ESCAPED_IN_ARGUMENT = /[\\;,()*]/g;

/**
 * Prints an AST back as a canonical filter: `parseFiql(formatFiql(ast))` equals `ast`. Used for cache keys and
 * for tests; the output escapes every special character, so it may differ from the text that was parsed.
 */
export function formatFiql(node: FiqlNode): string {
  if (node.kind === 'comparison') {
    const argument = node.wildcard
      ? node.wildcard.map((p) => p.replace(ESCAPED_IN_ARGUMENT, '\\$&')).join('*')
      : node.value.replace(ESCAPED_IN_ARGUMENT, '\\$&');
    return `${node.selector}${node.operator}${argument}`;
  }
  const separator = node.kind === 'and' ? ';' : ',';
  return node.children
    .map((child) => {
      const text = formatFiql(child);
      // Parenthesise any nested logical node: `;` binds tighter than `,`, and same-kind nesting must survive.
      return child.kind === 'comparison' ? text : `(${text})`;
    })
    .join(separator);
}

/** Every selector the filter mentions, in order of appearance (for checking them against a field list). */
export function fiqlSelectors(node: FiqlNode): string[] {
  if (node.kind === 'comparison') return [node.selector];
  return node.children.flatMap(fiqlSelectors);
}
