/**
 * Where a client's bearer comes from.
 * - `ApiTokenBearer`: trades the API token lazily, keeps the access token until shortly before `expires_in`
 *   runs out, renews then (or when told the server refused it), and lets concurrent callers share one exchange.
 * - `SessionBearer`: an access token from a password sign-in; it cannot be renewed.
 */
import { exchangeApiToken } from './oauth.js';
import type { HttpTransport } from './transport.js';

export interface BearerSource {
  /** The access token to send now. */
  current(): Promise<string>;
  /** Forget the access token after a 401; returns false when there is no way to get a new one. */
  invalidate(): boolean;
  readonly renewable: boolean;
}

export class SessionBearer implements BearerSource {
  readonly renewable = false;
  readonly #accessToken: string;

  constructor(accessToken: string) {
    if (typeof accessToken !== 'string' || accessToken === '') throw new TypeError('accessToken must be a non-empty string');
    this.#accessToken = accessToken;
  }

  current(): Promise<string> {
    return Promise.resolve(this.#accessToken);
  }

  invalidate(): boolean {
    return false;
  }
}

export interface ApiTokenBearerOptions {
  transport: HttpTransport;
  endpoint: string;
  org: string;
  /** The API token; or, with `readApiToken`, omitted. */
  apiToken?: string | undefined;
  /**
   * Where the token lives (a service account's token file): read before every exchange, so that a rotation
   * written by another process is picked up rather than a dead token spent (which the server treats as theft).
   */
  readApiToken?: (() => Promise<string>) | undefined;
  /** Called when the server rotates the token (service accounts): the old value is dead, save this one. */
  onApiTokenRotated?: ((apiToken: string) => void | Promise<void>) | undefined;
  /** Milliseconds since the epoch; injectable for tests. */
  now?: (() => number) | undefined;
}

/** Renew this long before expiry: a quarter of the lifetime, at most 30 s (so a 2 s token still gets used). */
const MAX_RENEW_MARGIN_MS = 30_000;

export class ApiTokenBearer implements BearerSource {
  readonly renewable = true;
  readonly #options: ApiTokenBearerOptions;
  #apiToken: string | null;
  #accessToken: string | null = null;
  #renewAt = 0;
  #pending: Promise<string> | null = null;
  #exchanges = 0;

  constructor(options: ApiTokenBearerOptions) {
    if (options.readApiToken === undefined && (typeof options.apiToken !== 'string' || options.apiToken.trim() === '')) {
      throw new TypeError('apiToken must be a non-empty string');
    }
    this.#options = options;
    this.#apiToken = options.apiToken?.trim() || null;
  }

  /** How many exchanges this source has made (observability, tests). */
  get exchanges(): number {
    return this.#exchanges;
  }

  current(): Promise<string> {
    if (this.#accessToken !== null && this.#now() < this.#renewAt) return Promise.resolve(this.#accessToken);
    return (this.#pending ??= this.#exchange().finally(() => {
      this.#pending = null;
    }));
  }

  invalidate(): boolean {
    this.#accessToken = null;
    return true;
  }

  async #exchange(): Promise<string> {
    const { transport, endpoint, org } = this.#options;
    const startedAt = this.#now();
    this.#exchanges += 1;
    if (this.#options.readApiToken) this.#apiToken = (await this.#options.readApiToken()).trim();
    const response = await exchangeApiToken({ transport, endpoint, org, apiToken: this.#apiToken ?? '' });
    const lifetimeMs = response.expires_in * 1000;
    this.#accessToken = response.access_token;
    this.#renewAt = startedAt + lifetimeMs - Math.min(MAX_RENEW_MARGIN_MS, lifetimeMs / 4);
    if (response.refresh_token && response.refresh_token !== this.#apiToken) {
      this.#apiToken = response.refresh_token;
      await this.#options.onApiTokenRotated?.(response.refresh_token);
    }
    return response.access_token;
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }
}
