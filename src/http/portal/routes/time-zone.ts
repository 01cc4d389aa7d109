/**
 * User preferences > Time zone (issue 14 §5):
 *   GET  {base}/preferences/time-zone   the choice, with the current time in the chosen zone
 *   POST {base}/preferences/time-zone   saves it (an IANA name the runtime knows; UTC clears the choice)
 * Any signed-in user may choose their own zone: it changes only how their pages show and read dates.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { PortalDeps } from '../deps.js';
import { requireSignedIn } from '../portal-session.js';
import { signedInFrame } from '../page-frame.js';
import { formField, seeOther, sendPage } from '../respond.js';
import { timeZonePage } from '../views/time-zone.js';
import { FORM, PAGE } from '../responses.js';
import { isSupportedTimeZone, MAX_TIME_ZONE_LENGTH } from '../../../domain/time-zone.js';

const TIME_ZONE_BODY = Type.Object(
  { _csrf: Type.Optional(Type.String({ maxLength: 512 })), timeZone: Type.Optional(Type.String({ maxLength: MAX_TIME_ZONE_LENGTH })) },
  { additionalProperties: true },
);

export function timeZoneRoutes(app: FastifyInstance, deps: PortalDeps): void {
  const { services } = deps;

  app.get('/preferences/time-zone', { schema: { response: PAGE } }, async (request, reply) => {
    const state = requireSignedIn(request);
    return sendPage(
      reply,
      timeZonePage(signedInFrame(state, deps, 'preferences'), { current: state.timeZone ?? 'UTC', error: null, now: Date.now() }),
    );
  });

  app.post(
    '/preferences/time-zone',
    { config: { csrf: 'session' }, schema: { body: TIME_ZONE_BODY, response: FORM } },
    async (request, reply) => {
      const state = requireSignedIn(request);
      const zone = formField(request, 'timeZone');
      if (!isSupportedTimeZone(zone)) {
        return sendPage(
          reply,
          timeZonePage(signedInFrame(state, deps, 'preferences'), {
            current: state.timeZone ?? 'UTC',
            error: 'Choose a time zone from the list.',
            now: Date.now(),
          }),
          400,
        );
      }
      await services.users.setTimeZone(state.principal, zone);
      return seeOther(reply, `${state.org.basePath}/preferences?done=time-zone#time-zone`);
    },
  );
}
