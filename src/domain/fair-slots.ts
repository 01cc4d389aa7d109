/**
 * A bounded number of slots for costly work (argon2 verifications: auth/passwords.ts), shared fairly between
 * clients: while every slot is taken, each client (an address block) waits in a line of its own, and a freed slot
 * goes to the next client in turn (round robin), not to whoever queued first. Until 2026-12-06 one first-come line
 * of 256 served everyone: 9-12 addresses each sending their whole failure budget at once filled it, and every
 * other user's sign-in was refused with 503 for as long as they kept it full. Now a flood from N addresses delays
 * another client's sign-in by at most about one verification per flooding address, and refuses it only when more
 * than MAX_CLIENTS_WAITING clients are waiting at once.
 *
 * Refusals (a 503 with Retry-After, thrown by `refuse`): a client past its own line's bound, or a new client when
 * too many are waiting. Memory is bounded by those two numbers.
 */
export interface FairSlotsOptions {
  /** Work running at once. */
  readonly slots: number;
  /** How many of one client's requests may wait (a NAT's morning burst of right passwords is one client). */
  readonly perClientWaiting: number;
  /** How many clients may have a request waiting at once. */
  readonly maxClientsWaiting: number;
}

export class FairSlots {
  private readonly options: FairSlotsOptions;
  private running = 0;
  /** Clients with requests waiting, in turn order (a Map keeps insertion order): each client's resolvers. */
  private readonly lines = new Map<string, Array<() => void>>();

  constructor(options: FairSlotsOptions) {
    this.options = options;
  }

  /** Requests waiting, all clients together (for tests and metrics). */
  get waiting(): number {
    let n = 0;
    for (const line of this.lines.values()) n += line.length;
    return n;
  }

  async run<T>(client: string, work: () => Promise<T>, refuse: () => Error): Promise<T> {
    if (this.running < this.options.slots) this.running += 1;
    else {
      let line = this.lines.get(client);
      if (line === undefined) {
        if (this.lines.size >= this.options.maxClientsWaiting) throw refuse();
        line = [];
        this.lines.set(client, line);
      } else if (line.length >= this.options.perClientWaiting) throw refuse();
      // The slot is handed over by `release`, already counted as running.
      await new Promise<void>((resolve) => line.push(resolve));
    }
    try {
      return await work();
    } finally {
      this.release();
    }
  }

  /** The freed slot goes to the client whose turn it is, which then goes to the back of the turn order. */
  private release(): void {
    const first = this.lines.entries().next();
    if (first.done) {
      this.running -= 1;
      return;
    }
    const [client, line] = first.value;
    const next = line.shift()!;
    this.lines.delete(client);
    if (line.length > 0) this.lines.set(client, line);
    next();
  }
}
