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
        Math.max(column.header.length, ...rows.map((row) => cellText(column.value(row)).length)),
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
      const text = cell.length > width && !this.#columns[index]!.whole ? `${cell.slice(0, width - 1)}…` : cell;
      return this.#columns[index]!.right ? text.padStart(width) : text.padEnd(width);
    });
    return `${padded.join('  ').trimEnd()}\n`;
  }
}

export function cellText(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  if (typeof value === 'object') return JSON.stringify(value);
  // Line breaks and tabs would break the table; any other control (an ESC starting a terminal sequence, from a
  // free-text description or a name stored before it was refused) is shown as its code, never sent to the terminal.
  return String(value)
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/\p{Cc}/gu, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
