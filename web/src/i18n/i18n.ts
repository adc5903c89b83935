import { de } from "./de.ts";
import { en, type MessageKey, type Messages } from "./en.ts";
import { fr } from "./fr.ts";

export type { MessageKey } from "./en.ts";

/** The languages the UI speaks (AIIDA's). */
export const LANGUAGES = ["en", "de", "fr"] as const;
export type Language = (typeof LANGUAGES)[number];

const CATALOGUES: Readonly<Record<Language, Messages>> = { en, de, fr };
/** Each language's own name, for the switch. */
export const LANGUAGE_NAMES: Readonly<Record<Language, string>> = {
  en: "English",
  de: "Deutsch",
  fr: "Français",
};
const STORAGE_KEY = "aiida-hub.language";

/**
 * The language to speak: the one chosen with the switch, else the browser's first preferred language
 * the UI has (de-AT → de), else English.
 */
export function chooseLanguage(stored: string | null, preferred: readonly string[]): Language {
  const known = (tag: string | null | undefined) =>
    LANGUAGES.find((language) => tag?.toLowerCase().split("-")[0] === language);
  if (known(stored)) return known(stored) as Language;
  for (const tag of preferred) {
    const language = known(tag);
    if (language) return language;
  }
  return "en";
}

/**
 * The locale numbers and dates are written in: the browser's own variant of the language when it has
 * one (de-AT, fr-CH), else the plain language.
 */
export function localeFor(language: Language, preferred: readonly string[]): string {
  return preferred.find((tag) => tag.toLowerCase().split("-")[0] === language) ?? language;
}

/** What the page's globals offer; absent when the messages are used outside a browser (unit tests). */
interface BrowserGlobals {
  readonly navigator?: { readonly languages?: readonly string[] };
  readonly localStorage?: { getItem(key: string): string | null; setItem(key: string, value: string): void };
}
const browser = globalThis as unknown as BrowserGlobals;

function storedChoice(): string | null {
  try {
    return browser.localStorage?.getItem(STORAGE_KEY) ?? null;
  } catch {
    // Storage can be off (private mode, policies): the browser's preference decides then.
    return null;
  }
}

const preferredTags = (): readonly string[] => browser.navigator?.languages ?? [];

let language: Language = chooseLanguage(storedChoice(), preferredTags());
let locale = localeFor(language, preferredTags());

/** The language the UI speaks now. */
export function currentLanguage(): Language {
  return language;
}

/** The locale for Intl formatting in the current language. */
export function currentLocale(): string {
  return locale;
}

/** Chooses a language for this and later visits (the page reloads to show it everywhere). */
export function saveLanguage(choice: Language): void {
  try {
    browser.localStorage?.setItem(STORAGE_KEY, choice);
  } catch {
    // Without storage the choice lasts for this page only.
  }
  language = choice;
  locale = localeFor(choice, preferredTags());
}

/** The name of a message said by count: "sources.count" for "sources.count.one" / "sources.count.other". */
export type PluralBase = MessageKey extends infer K ? (K extends `${infer B}.other` ? B : never) : never;

/** Puts values into a message's `{name}` marks. */
function fill(text: string, values: Readonly<Record<string, string | number>>): string {
  return text.replace(/\{(\w+)\}/g, (mark, name: string) => (name in values ? String(values[name]) : mark));
}

/** A message in the current language, with values put in. */
export function t(key: MessageKey, values: Readonly<Record<string, string | number>> = {}): string {
  return fill(CATALOGUES[language][key], values);
}

/**
 * A message as pieces, for one that holds elements (a link, a time): text between the `{name}` marks,
 * and each mark's value as it is, in the language's own order.
 */
export function tParts<T>(
  key: MessageKey,
  values: Readonly<Record<string, string | number | T>>,
): Array<string | T> {
  const parts: Array<string | T> = [];
  CATALOGUES[language][key].split(/(\{\w+\})/).forEach((piece, i) => {
    // Odd pieces are the marks the split kept; an unknown mark stays as written.
    const name = piece.slice(1, -1);
    const value = i % 2 === 1 && Object.hasOwn(values, name) ? values[name] : undefined;
    const part = value === undefined ? piece : typeof value === "number" ? String(value) : value;
    if (part !== "") parts.push(part);
  });
  return parts;
}

/**
 * The words for a value the hub sends (a status, a kind): the message `<prefix>.<value>`, or the value
 * itself when the UI has none (a newer hub's value), so nothing shows as blank.
 */
export function tValue(prefix: string, value: string): string {
  const key = `${prefix}.${value}`;
  return Object.hasOwn(en, key) ? t(key as MessageKey) : value;
}

/**
 * A message that depends on a count: `<base>.<plural category>` of the current language (French says
 * "0 message", English "0 messages"), falling back to `<base>.other`. `{n}` is the count, formatted.
 */
export function tn(
  base: PluralBase,
  count: number,
  values: Readonly<Record<string, string | number>> = {},
): string {
  const catalogue = CATALOGUES[language] as Readonly<Record<string, string>>;
  const category = new Intl.PluralRules(locale).select(count);
  const text = catalogue[`${base}.${category}`] ?? catalogue[`${base}.other`] ?? base;
  return fill(text, { n: new Intl.NumberFormat(locale).format(count), ...values });
}

/** Every language's messages, for tests that compare them. */
export function catalogues(): Readonly<Record<Language, Messages>> {
  return CATALOGUES;
}
