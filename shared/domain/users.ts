/** Small pure facts about users. */

/** The mail alias Entra ID would give: the user principal name's part before the @, less what an alias may not hold. */
export const defaultMailNickname = (upn: string): string =>
  upn
    .split('@')[0]
    .replace(/[@()\\[\]";:<>,\s]/g, '')
    .slice(0, 64) || 'user';
