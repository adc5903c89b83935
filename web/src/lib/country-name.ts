import { currentLocale } from "../i18n/i18n.ts";

let names: Intl.DisplayNames | undefined;

/**
 * A country's name in the UI's language (AT → "Österreich" in German), from the browser's own list;
 * `fallback` (the hub's English name) when the browser has none for the code.
 */
export function countryName(code: string, fallback: string): string {
  try {
    names ??= new Intl.DisplayNames([currentLocale()], { type: "region", fallback: "none" });
    return names.of(code) ?? fallback;
  } catch {
    // A code Intl refuses (not two letters or three digits) is named as the hub names it.
    return fallback;
  }
}
