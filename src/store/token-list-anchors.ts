/**
 * Where pages of the token list start, remembered per node, so that a deep page is a seek in the index rather than a
 * walk past every entry before it (issue 16 §3).
 *
 * A position is the `(created_at, id)` of the entry just before a page: the page is then the entries after it. It
 * is kept under the list's change number (`api_token_counts.list_changes`, migration 0019), read in the same
 * statement as the list's total; a change of the list moves the number, and the positions taken under the old
 * one are no longer found. Positions are the same for every caller: they are only used for the minted-token
 * list, whose content does not depend on who asks (store/token-listing.ts), and the seek keeps every condition of
 * the list, so a position can only decide where a page starts, never what may be on it.
 *
 * Who gains: anyone who pages through a large org (the portal's "next", go-vcloud-director and the CLI fetching
 * every page in turn: page n+1 starts where page n ended), or asks for the same deep page again.
 */

/** An entry of the list, by its sort key. */
export interface ListPosition {
  created_at: number;
  id: string;
}

/** A remembered position: `offset` entries of the list come before `position`'s successor. */
export interface Anchor {
  offset: number;
  position: ListPosition;
}

/** Lists remembered (orgs, and every org's); past this the oldest is forgotten. */
const MAX_LISTS = 1_000;
/** Positions remembered per list; past this the oldest is forgotten. */
const MAX_ANCHORS_PER_LIST = 64;

interface ListAnchors {
  changes: string;
  /** By offset, in the order they were learnt. */
  anchors: Map<number, ListPosition>;
}

export class TokenListAnchors {
  private readonly lists = new Map<string, ListAnchors>();

  /**
   * The remembered position nearest before `offset` (or at it) for this list as it stands at `changes`, if any.
   * `changes` is compared as a string: PostgreSQL returns its bigint sum as one.
   */
  nearest(list: string, changes: number | string, offset: number): Anchor | undefined {
    const known = this.lists.get(list);
    if (!known || known.changes !== String(changes)) return undefined;
    let best: Anchor | undefined;
    for (const [at, position] of known.anchors) {
      if (at <= offset && (best === undefined || at > best.offset)) best = { offset: at, position };
    }
    return best;
  }

  /** Remembers that the entry before `offset` is `position`, for the list as it stands at `changes`. */
  remember(list: string, changes: number | string, offset: number, position: ListPosition): void {
    if (offset <= 0) return;
    const key = String(changes);
    let known = this.lists.get(list);
    if (!known || known.changes !== key) {
      // A page read before a change that another page has already seen: its position is of the old list.
      if (known && BigInt(key) < BigInt(known.changes)) return;
      // The list changed (or is new): what was known of it no longer holds.
      if (known) this.lists.delete(list);
      else if (this.lists.size >= MAX_LISTS) this.lists.delete(this.lists.keys().next().value!);
      known = { changes: key, anchors: new Map() };
      this.lists.set(list, known);
    }
    known.anchors.delete(offset);
    known.anchors.set(offset, { created_at: position.created_at, id: position.id });
    if (known.anchors.size > MAX_ANCHORS_PER_LIST) known.anchors.delete(known.anchors.keys().next().value!);
  }

  /** How many positions are remembered (tests). */
  get size(): number {
    let n = 0;
    for (const known of this.lists.values()) n += known.anchors.size;
    return n;
  }
}
