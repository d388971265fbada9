/** Small pure facts about users. */

/** The mail alias Entra ID would give: the user principal name's part before the @, less what an alias may not hold. */
export const defaultMailNickname = (upn: string): string =>
  upn
    .split('@')[0]
    .replace(/[@()\\[\]";:<>,\s]/g, '')
    .slice(0, 64) || 'user';

/**
 * How far ahead of this service's clock a sign-in's time may be: an identity provider's clock may run a
 * little fast. A later time is refused wherever a sign-in date comes in (POST /signInEvents, a CSV import's
 * lastSignInDateTime), because the date only ever moves forward: a date in the future would pin itself
 * there and take the user out of inactivity for good.
 */
export const MAX_SIGN_IN_CLOCK_SKEW_MS = 5 * 60_000;

/** Whether a sign-in at `at` (ISO 8601) is further ahead of `nowMs` than a clock's skew explains. */
export const signInInTheFuture = (at: string, nowMs: number): boolean => Date.parse(at) > nowMs + MAX_SIGN_IN_CLOCK_SKEW_MS;
