/**
 * User principal names: `name@domain.tld`, no spaces, one `@`, a domain of dot-separated labels. Checked by
 * one left-to-right pass instead of a regular expression: the pattern this replaces
 * (`^[^@\s]+@[^@\s]+\.[^@\s]+$`) backtracks quadratically on a long domain without a dot (a 60 KB name
 * took seconds and stalled every tenant's requests). Every caller checks the length first, so a name is
 * never longer than MAX_UPN_LENGTH when it gets here, and this pass is linear in it regardless.
 */

/** Entra ID: 113 characters (64 before the @, 48 after). */
export const MAX_UPN_LENGTH = 113;

const isSpace = (code: number) =>
  code === 32 ||
  (code >= 9 && code <= 13) ||
  code === 0xa0 ||
  code === 0x1680 ||
  (code >= 0x2000 && code <= 0x200a) ||
  code === 0x2028 ||
  code === 0x2029 ||
  code === 0x202f ||
  code === 0x205f ||
  code === 0x3000 ||
  code === 0xfeff;

/**
 * Whether `s` looks like a user principal name. `step` is called once per character read (tests count
 * the calls to show the work is linear in the input).
 */
export function isUserPrincipalName(s: string, step: () => void = () => undefined): boolean {
  let at = -1;
  let lastDot = -1;
  let labelStart = -1;
  for (let i = 0; i < s.length; i++) {
    step();
    const code = s.charCodeAt(i);
    if (isSpace(code)) return false;
    if (code === 64 /* @ */) {
      if (at >= 0 || i === 0) return false;
      at = i;
      labelStart = i + 1;
    } else if (code === 46 /* . */ && at >= 0) {
      if (i === labelStart) return false; // an empty domain label: "a@.b", "a@b..c"
      lastDot = i;
      labelStart = i + 1;
    }
  }
  // a dot in the domain, with something on both sides of the last one
  return at > 0 && lastDot > at + 1 && lastDot < s.length - 1;
}
