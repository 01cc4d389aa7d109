/**
 * The escaping `html` template tag every portal view is written with. Interpolated values are escaped unless
 * they are already `SafeHtml` (the result of another `html` call), so user text (token names, user names,
 * org names, error messages) can never become markup. There is deliberately no "raw" escape hatch taking a
 * runtime string: trusted markup is written as an `html` literal.
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

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false || value === true) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]!;
  return new SafeHtml(out);
}

/** Joins fragments (a list of rows, say) with nothing between them. */
export function joinHtml(parts: readonly HtmlValue[]): SafeHtml {
  return new SafeHtml(render(parts));
}
