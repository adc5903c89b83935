/** Longest meter or operator id accepted; metering point ids in Europe have at most 34 characters. */
export const MAX_METERING_ID_LENGTH = 64;

// Letters, digits and the separators that real ids carry (EIC codes use '-', some serials '.' or '_').
const ALLOWED = /^[A-Z0-9._-]+$/;
// An Austrian metering point id: "AT", the 6-digit operator number starting with 00, then 25 digits or letters.
const AUSTRIAN_METERING_POINT = /^AT00/;
const AUSTRIAN_LENGTH = 33;
// Lengths near 33 are a metering point id with a character dropped or doubled; short AT00… ids are something else.
const NEAR_AUSTRIAN = { min: 28, max: 38 };

export type MeteringIdCheck =
  | { readonly ok: true; readonly id: string }
  | { readonly ok: false; readonly reason: string };

/**
 * Checks a meter id or grid operator id as such ids are written (metering point ids such as AT's 33-character
 * "AT0031000000000000000000198159000", Germany's 11-digit MaLo or 33-character MeLo, EAN-18 codes, EIC codes such
 * as "10XAT-APG------Z", meter serials) and writes it in upper case without spaces. Refuses what no such id contains, so that a
 * typo or a pasted sentence is caught, but never the form of a real id. A meter id that starts like an Austrian
 * metering point (AT00) and is within a few characters of its 33 is refused: a character was dropped or doubled.
 */
export function checkMeteringId(raw: string, what: "meter" | "operator"): MeteringIdCheck {
  // Bills print the 33 characters in blocks of five ("AT001 00000 …"): the gaps are not part of the id.
  const id = raw.replace(/\s+/g, "").toUpperCase();
  if (id.length > MAX_METERING_ID_LENGTH) {
    return { ok: false, reason: `must be at most ${MAX_METERING_ID_LENGTH} characters, got ${id.length}` };
  }
  if (!ALLOWED.test(id)) {
    return {
      ok: false,
      reason:
        "use only letters, digits and - _ . (an Austrian metering point id, for example, is 33 characters: AT and 31 digits or letters)",
    };
  }
  if (what === "meter" && looksLikeMistypedAustrianMeteringPoint(id)) {
    return {
      ok: false,
      reason: `an Austrian metering point id (AT00…) has ${AUSTRIAN_LENGTH} characters: AT and 31 digits or letters; this one has ${id.length}`,
    };
  }
  return { ok: true, id };
}

function looksLikeMistypedAustrianMeteringPoint(id: string): boolean {
  const near = id.length >= NEAR_AUSTRIAN.min && id.length <= NEAR_AUSTRIAN.max;
  return AUSTRIAN_METERING_POINT.test(id) && near && id.length !== AUSTRIAN_LENGTH;
}
