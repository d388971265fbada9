/** Sign-ins from Entra ID: the custom authentication extension Entra ID calls as it issues a token. */
import { catalogCache } from '../shared/catalog/cache';
import { settings } from '../shared/config';
import { route } from '../shared/http/pipeline';
import { ApiError, ErrorCodes } from '../shared/errors';
import * as c from '../shared/schemas/contracts';
import { tokenIssuanceStart } from '../shared/usecases/authenticationEvents';

route({
  name: 'tokenIssuanceStart',
  method: 'POST',
  route: 'v1.0/authenticationEvents/tokenIssuanceStart',
  tag: 'Sign-ins from Entra ID',
  summary:
    "Entra ID's token issuance start event (a custom authentication extension; Entra ID's own token for AUTH_EVENTS_AUDIENCE): records the sign-in, auto-claims for Teams, answers the user's service plans as claims (an empty claims action when the user is not known here or on any error of ours)",
  auth: 'authenticationEvents',
  body: c.tokenIssuanceStartEvent,
  response: c.tokenIssuanceStartResponse,
  handler: async (ctx) => {
    // the event names the tenant the sign-in is in; Entra ID's token says which tenant called: the same one
    if (ctx.body.data.tenantId.toLowerCase() !== ctx.principal.tenantId)
      throw new ApiError(
        403,
        ErrorCodes.insufficientRole,
        `The event is for tenant ${ctx.body.data.tenantId}, but Entra ID's token was issued in tenant ${ctx.principal.tenantId}: an extension answers sign-ins of the tenant it is registered in only.`,
        'data.tenantId',
      );
    return { body: await tokenIssuanceStart(() => catalogCache(settings()).current(), ctx.principal.tenantId, ctx.requestId, ctx.body) };
  },
});
