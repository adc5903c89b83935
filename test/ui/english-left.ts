import type { Page } from "playwright-core";
import { catalogues, type Language } from "../../web/src/i18n/i18n.ts";

/**
 * What the page says to people: its visible and hidden text, the attributes people read or hear and
 * the document's title. JSON and code (`pre`, `code`) are data, not words of the UI.
 */
function pageWords(page: Page): Promise<string> {
  return page.evaluate(`(() => {
    const parts = [document.title];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.parentElement?.closest("pre, code, script, style")) parts.push(node.textContent);
    }
    for (const el of document.querySelectorAll("[aria-label], [title], [placeholder], [data-tip], [data-label], [alt]")) {
      for (const name of ["aria-label", "title", "placeholder", "data-tip", "data-label", "alt"]) {
        const value = el.getAttribute(name);
        if (value) parts.push(value);
      }
    }
    return parts.join("\\n");
  })()`);
}

/**
 * The English messages still on the page although it speaks `language`: every piece of an English
 * message between its {marks} that the language's own message does not also hold ("EDDIE", a
 * separator), found as whole words. `data` lists what the hub and the service wrote (names,
 * descriptions): it is left out before looking.
 */
export async function englishLeft(
  page: Page,
  language: Language,
  data: readonly string[],
): Promise<string[]> {
  let words = await pageWords(page);
  for (const text of data) words = words.replaceAll(text, " ");
  const all = catalogues();
  const found = new Set<string>();
  for (const [key, english] of Object.entries(all.en)) {
    const own = (all[language] as Readonly<Record<string, string>>)[key] ?? "";
    for (const piece of english.split(/\{\w+\}/)) {
      const fragment = piece.trim();
      // Pieces without a word ("–", " · ") say nothing in any language.
      if (!/\p{L}{2,}/u.test(fragment) || own.includes(fragment)) continue;
      const escaped = fragment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      if (new RegExp(`(?<![\\p{L}\\p{N}])${escaped}(?![\\p{L}\\p{N}])`, "u").test(words))
        found.add(`${key}: ${fragment}`);
    }
  }
  return [...found];
}
