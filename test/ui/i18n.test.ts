import assert from "node:assert/strict";
import { test } from "node:test";
import { catalogues, chooseLanguage, LANGUAGES, localeFor } from "../../web/src/i18n/i18n.ts";

const marks = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test("every language has every English message, with the same {marks}, and none left empty", () => {
  const all = catalogues();
  const keys = Object.keys(all.en).sort();
  for (const language of LANGUAGES) {
    const messages = all[language] as Readonly<Record<string, string>>;
    assert.deepEqual(Object.keys(messages).sort(), keys, `${language}: the same keys as English`);
    for (const key of keys) {
      const text = messages[key] ?? "";
      assert.notEqual(text.trim(), "", `${language} ${key} is empty`);
      assert.deepEqual(marks(text), marks(all.en[key as keyof typeof all.en]), `${language} ${key}: marks`);
    }
  }
});

test("the language is the one chosen, else the browser's first one the UI speaks, else English", () => {
  const cases: ReadonlyArray<[string | null, string[], string]> = [
    [null, ["de-AT", "en-US"], "de"],
    [null, ["it-IT", "fr-CH", "de"], "fr"],
    [null, ["it-IT"], "en"],
    [null, [], "en"],
    ["fr", ["de-AT"], "fr"],
    ["xx", ["de-DE"], "de"],
  ];
  for (const [stored, preferred, expected] of cases) {
    assert.equal(chooseLanguage(stored, preferred), expected, `${stored} ${preferred.join(",")}`);
  }
});

test("numbers and dates follow the browser's own variant of the chosen language", () => {
  assert.equal(localeFor("de", ["de-AT", "en"]), "de-AT");
  assert.equal(localeFor("fr", ["de-AT", "en"]), "fr");
  assert.equal(localeFor("en", ["en-GB"]), "en-GB");
});
