/**
 * The clouds a product is sold in. Microsoft's table has no column for it; the part number says it: its US
 * Government editions (GCC, GCC High, DoD) carry a marker.
 */
export const CLOUDS = ['AzureCloud', 'AzureUSGovernment', 'AzureChinaCloud'] as const;
export type Cloud = (typeof CLOUDS)[number];

/** Part-number words that mark Microsoft's US Government clouds (GCC, GCC High, DoD). */
const US_GOVERNMENT_MARKERS = new Set(['GOV', 'USGOV', 'GCC', 'GCCHIGH', 'DOD']);

/**
 * The clouds a product is sold in, from its part number: a US Government marker as a word of it (`_GOV`,
 * `_GCC`, `USGOV_GCCHIGH`, `_DOD`, in any case: ENTERPRISEPACK_GOV, M365_G5_GCC, EMSPREMIUM_USGOV_GCCHIGH,
 * MCOEV_USGOV_DOD, MESSAGING_GCC_TEST) is AzureUSGovernment; anything else, AzureCloud. Words, not
 * substrings: `Microsoft_Cloud_App_Security_App_Governance_Add_On` is not a government product.
 */
export function cloudsOfPartNumber(skuPartNumber: string): Cloud[] {
  const words = skuPartNumber.toUpperCase().split(/[^A-Z0-9]+/);
  return words.some((w) => US_GOVERNMENT_MARKERS.has(w)) ? ['AzureUSGovernment'] : ['AzureCloud'];
}
