/**
 * The escaping `html` template tag every portal view is written with. Interpolated values are escaped unless
 * they are already `SafeHtml` (the result of another `html` call), so user text (token names, user names,
 * org names, error messages) can never become markup. There is deliberately no "raw" escape hatch taking a
 * runtime string: trusted markup is written as an `html` literal.
 *
 * Interpolated text is also kept from reordering the page around it (Unicode bidi, the "Trojan Source" trick,
 * CVE-2021-42574): a name holding right-to-left letters or a bidi control (`"\u202Eabc"`, `"שלום 123"`) made
 * "Revoke <name>?" read as something else. A string that can reorder anything (bidiSensitive) is isolated where it
 * is written, by this tag, so no view can forget it:
 * - in element content (running text, cells, headings, links, alerts): `<bdi>` (direction from its own first
 *   letter; nothing inside it reaches the text around it, an unclosed override ends at `</bdi>`);
 * - in `<title>` and `<option>`, where markup is impossible: U+2068 FIRST STRONG ISOLATE ... U+2069 POP
 *   DIRECTIONAL ISOLATE, the same isolation as characters;
 * - in attribute values: nothing. They are sent back as typed (`value=`, hidden fields: an isolate would be part
 *   of the name submitted), are addresses (`href`, `action`), or are read out or shown on their own (`aria-label`,
 *   a tooltip), never inside the page's running text.
 * Text with no right-to-left letter, no Arabic number and no bidi control cannot move anything in a left-to-right
 * page, so it is written as before (no `<bdi>` around every English word or date).
 * Plain text that holds a name (a message, a title built from a string) isolates the name with `isolateText`
 * (the `plainText` tag): the page's isolation of the whole message does not stop a name inside it from reordering the
 * rest of that message.
 */

export class SafeHtml {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
  toString(): string {
    return this.value;
  }
}

/** What may appear inside `${...}`: false, null and undefined render nothing, so `cond && html`...`` works. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Escapes text for element content and for quoted attribute values alike. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);
}

/**
 * Characters that can reorder text in a left-to-right page: the blocks of the right-to-left scripts (bidi classes R
 * and AL: Hebrew, Arabic, Syriac, Thaana, N'Ko, Samaritan, Mandaic, their presentation forms, and the historic
 * and newer scripts of the SMP's right-to-left ranges), which also hold the Arabic numbers (AN); the bidi controls
 * (embeddings, overrides, isolates, LRM, RLM, ALM); and the line and paragraph separators.
 */
const BIDI_SENSITIVE =
  /[\u0590-\u08FF\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069\uFB1D-\uFDFF\uFE70-\uFEFE\u{10800}-\u{10FFF}\u{1E800}-\u{1EFFF}]/u;

/** An isolate closed in the same string (LRI, RLI or FSI ... PDI), with no isolate or paragraph break inside. */
const CLOSED_ISOLATE = /[\u2066-\u2068][^\u2066-\u2069\u2028\u2029\n\r]*\u2069/gu;

/**
 * True when `text` could reorder the text around it (see BIDI_SENSITIVE): it is then isolated where shown. What
 * is inside a closed isolate does not count: it cannot reach past its PDI (a message built with `plainText` is safe as
 * it is, and left to right: "Token ⁨שלום⁩ revoked" needs no second isolate, which would take its direction from
 * the name).
 */
export function bidiSensitive(text: string): boolean {
  if (!BIDI_SENSITIVE.test(text)) return false;
  let rest = text;
  for (let before = ''; before !== rest;) {
    before = rest;
    rest = rest.replace(CLOSED_ISOLATE, '');
  }
  return BIDI_SENSITIVE.test(rest);
}

const FSI = '\u2068';
const PDI = '\u2069';

/** `text` between U+2068 FIRST STRONG ISOLATE and U+2069 POP DIRECTIONAL ISOLATE when it needs it (bidiSensitive). */
export function isolateText(text: string): string {
  return bidiSensitive(text) ? `${FSI}${text}${PDI}` : text;
}

/**
 * A plain-text template (a message, a title) whose interpolated values are isolated (isolateText):
 * plainText`The API token "${name}" was revoked.` reads in order whatever the name holds.
 */
export function plainText(strings: TemplateStringsArray, ...values: ReadonlyArray<string | number>): string {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    out += (typeof value === 'string' ? isolateText(value) : String(value)) + strings[i + 1]!;
  }
  return out;
}

/** Where a value is written: element content, the text of a `<title>` or `<option>`, or inside a tag. */
type Place = 'content' | 'plain' | 'attribute';

/**
 * The place of each `${...}` of a template, read from its literal parts only (interpolated values are escaped, so
 * they hold no `<`, `>` or quote; nested fragments are whole elements or whole attributes): a small tokenizer that
 * knows whether it is in text, in a tag or in a quoted attribute value, and the `<title>` or `<option>` it is in. A
 * fragment that starts inside a tag (html` id="${x}"`: a space, a name and `=`) starts in the tag. Computed once
 * per template (the strings array is the same object on every call from one place in the code).
 */
const PLACES = new WeakMap<TemplateStringsArray, readonly Place[]>();
function placesOf(strings: TemplateStringsArray): readonly Place[] {
  const known = PLACES.get(strings);
  if (known) return known;
  const places: Place[] = [];
  let state: 'text' | 'tag' | '"' | "'" = /^\s+[\w:-]+=/.test(strings[0]!) ? 'tag' : 'text';
  let tag = '';
  let plain = false;
  for (let i = 0; i < strings.length - 1; i++) {
    const literal = strings[i]!;
    for (let j = 0; j < literal.length; j++) {
      const c = literal[j]!;
      if (state === 'text') {
        const m = c === '<' ? /^<(\/?[a-zA-Z][\w-]*)/.exec(literal.slice(j)) : null;
        if (m) {
          state = 'tag';
          tag = m[1]!.toLowerCase();
          j += m[0].length - 1;
        }
      } else if (state === 'tag') {
        if (c === '"' || c === "'") state = c;
        else if (c === '>') {
          state = 'text';
          if (tag === 'title' || tag === 'option') plain = true;
          else if (tag === '/title' || tag === '/option') plain = false;
        }
      } else if (c === state) state = 'tag';
    }
    places.push(state !== 'text' ? 'attribute' : plain ? 'plain' : 'content');
  }
  PLACES.set(strings, places);
  return places;
}

function render(value: HtmlValue, place: Place): string {
  if (value === null || value === undefined || value === false || value === true) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map((v: HtmlValue) => render(v, place)).join('');
  const s = String(value);
  const escaped = escapeHtml(s);
  if (typeof value !== 'string' || place === 'attribute' || !bidiSensitive(s)) return escaped;
  return place === 'plain' ? `${FSI}${escaped}${PDI}` : `<bdi>${escaped}</bdi>`;
}

export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): SafeHtml {
  const places = placesOf(strings);
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i], places[i]!) + strings[i + 1]!;
  return new SafeHtml(out);
}

/** Joins fragments (a list of rows, say) with nothing between them; a string among them is element content. */
export function joinHtml(parts: readonly HtmlValue[]): SafeHtml {
  return new SafeHtml(render(parts, 'content'));
}
