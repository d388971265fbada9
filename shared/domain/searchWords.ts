/**
 * The words of a name as Microsoft Graph's `$search` on directory objects sees them: a displayName is split
 * into tokens at spaces, punctuation and changes of case ("Alex Wilber" -> alex, wilber; "OneVideo" -> one,
 * video; "Sales-EMEA" -> sales, emea), and a search clause matches a name one of whose words starts with the
 * text. Lower-cased, each word once, in the order they appear. Pure: the storage keeps them on the document
 * (displayNameWords) for the query to compare.
 */
export function searchWords(name: string): string[] {
  const words = name
    // a lower-case letter or digit followed by an upper-case one starts a new word (camelCase)
    .replace(/(\p{Ll}|\p{N})(?=\p{Lu})/gu, '$1 ')
    // an upper-case run followed by a capitalised word: "HRTeam" -> HR Team
    .replace(/(\p{Lu})(?=\p{Lu}\p{Ll})/gu, '$1 ')
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
  return [...new Set(words)];
}
