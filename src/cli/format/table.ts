/**
 * Plain-text tables that can stream: column widths are fixed from the rows known when the header is printed
 * (the first page), capped, and later cells that do not fit are cut with an ellipsis (except in a `whole` column:
 * ids). Pure.
 */
export interface Column<T> {
  header: string;
  value: (row: T) => unknown;
  /** Right-align (numbers). */
  right?: boolean;
  /**
   * Never cut: an id is copied from the table into the next command (`tessera token revoke <id>`), and an id cut
   * with an ellipsis is no id. Such a column is as wide as its widest cell, however wide that is.
   */
  whole?: boolean;
}

const MAX_WIDTH = 40;

export class StreamingTable<T> {
  readonly #columns: Column<T>[];
  #widths: number[] | null = null;

  constructor(columns: Column<T>[]) {
    this.#columns = columns;
  }

  /** The header line plus these rows; the rows fix the widths. */
  start(rows: T[]): string {
    this.#widths = this.#columns.map((column) =>
      Math.min(
        column.whole ? Infinity : MAX_WIDTH,
        Math.max(displayWidth(column.header), ...rows.map((row) => displayWidth(cellText(column.value(row))))),
      ),
    );
    return this.#line(this.#columns.map((column) => column.header)) + this.rows(rows);
  }

  rows(rows: T[]): string {
    if (!this.#widths) return this.start(rows);
    return rows.map((row) => this.#line(this.#columns.map((column) => cellText(column.value(row))))).join('');
  }

  #line(cells: string[]): string {
    const widths = this.#widths!;
    const padded = cells.map((cell, index) => {
      const width = widths[index]!;
      const text = displayWidth(cell) > width && !this.#columns[index]!.whole ? `${cutToWidth(cell, width - 1)}…` : cell;
      const padding = ' '.repeat(Math.max(0, width - displayWidth(text)));
      return this.#columns[index]!.right ? padding + text : text + padding;
    });
    return `${padded.join('  ').trimEnd()}\n`;
  }
}

/**
 * How many terminal columns `text` takes: one per character as a person reads it (a grapheme: `e` + U+0301 is one,
 * a flag or a family emoji is one), two for a wide one (CJK, Hangul, fullwidth forms, emoji drawn as pictures).
 * UTF-16 length was used until 2026-12-06: a CJK or decomposed name pushed its row's later columns out of line,
 * and a cut at 39 code units could split an emoji's surrogate pair, printing U+FFFD.
 */
export function displayWidth(text: string): number {
  let width = 0;
  for (const { segment } of graphemes.segment(text)) width += graphemeWidth(segment);
  return width;
}

/** The longest start of `text` that takes at most `width` columns, cut between graphemes. */
function cutToWidth(text: string, width: number): string {
  let used = 0;
  let end = 0;
  for (const { segment, index } of graphemes.segment(text)) {
    const w = graphemeWidth(segment);
    if (used + w > width) break;
    used += w;
    end = index + segment.length;
  }
  return text.slice(0, end);
}

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** East Asian Wide and Fullwidth blocks (Unicode UAX #11), by first code point. */
const WIDE =
  /^[\u1100-\u115F\u2E80-\u303E\u3041-\u33FF\u3400-\u4DBF\u4E00-\u9FFF\uA000-\uA4CF\uA960-\uA97F\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6\u{1F000}-\u{1FAFF}\u{20000}-\u{3FFFD}]/u;
const ZERO_WIDTH = /^[\p{M}\p{Cf}]+$/u;

function graphemeWidth(grapheme: string): number {
  if (ZERO_WIDTH.test(grapheme)) return 0;
  if (WIDE.test(grapheme) || /\p{Emoji_Presentation}|\uFE0F/u.test(grapheme)) return 2;
  return 1;
}

/** Bidirectional controls: in a terminal that applies bidi, they reorder the rest of the line (other columns). */
const BIDI_CONTROL = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/gu;

export function cellText(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  if (typeof value === 'object') return JSON.stringify(value);
  // Line breaks and tabs would break the table; any other control (an ESC starting a terminal sequence, from a
  // free-text description or a name stored before it was refused) is shown as its code, never sent to the terminal.
  return String(value)
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/\p{Cc}/gu, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(BIDI_CONTROL, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
