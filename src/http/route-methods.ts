/**
 * Which methods a path has routes for, so that a request with another method is told so: 405 with `Allow` (RFC 9110
 * §15.5.6), rather than a 404 that says the resource does not exist. fastify's router answers
 * "no route" for both; a second router, fed the same routes, tells them apart. Asked only for requests that
 * matched no route, so it costs the others nothing.
 */
import FindMyWay from 'find-my-way';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/**
 * How the app's router reads a path (app.ts passes these to fastify): trailing and duplicate slashes ignored, path
 * parameters up to 512 characters (above every declared maxLength, so the route's schema answers an over-long id).
 */
export const ROUTER_OPTIONS = { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: 512 } as const;
const noHandler = () => undefined;

export class RouteMethods {
  // The app's own path rules: a path its router matches, this one matches.
  private readonly router = FindMyWay({ ...ROUTER_OPTIONS });

  /** Records a route as fastify's onRoute hook sees it. */
  add(method: string | readonly string[], url: string): void {
    for (const m of typeof method === 'string' ? [method] : method) {
      if (!(METHODS as readonly string[]).includes(m) || this.router.hasRoute(m as 'GET', url)) continue;
      this.router.on(m as 'GET', url, noHandler);
    }
  }

  /** The methods `path` (the request's, query included or not) has a route for; empty when it has none. */
  allowed(path: string): string[] {
    const bare = path.split('?')[0]!;
    return METHODS.filter((m) => this.router.find(m, bare) !== null);
  }
}
