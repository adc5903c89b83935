import { currentLanguage, LANGUAGE_NAMES, LANGUAGES, type Language, saveLanguage, t } from "../i18n/i18n.ts";
import { h } from "../lib/dom.ts";

/**
 * The language switch in the header: a labelled list of the UI's languages, each in its own name.
 * A choice is kept for later visits and the page reloads, so every text and number follows it.
 */
export function languageSwitch(): HTMLElement {
  const select = h(
    "select",
    {
      "aria-label": t("language.label"),
      class: "language-switch",
      onchange: () => {
        saveLanguage(select.value as Language);
        location.reload();
      },
    },
    LANGUAGES.map((language) =>
      h(
        "option",
        { value: language, lang: language, selected: language === currentLanguage() },
        LANGUAGE_NAMES[language],
      ),
    ),
  );
  return select;
}
