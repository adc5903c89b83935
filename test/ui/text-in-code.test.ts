import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { textLiterals } from "../helpers/ui-text-literals.ts";

/**
 * The UI files whose words may still be in code: none now. Every file of web/src is scanned; a file that
 * is being rebuilt elsewhere may be listed here until it lands.
 */
const NOT_YET_CONVERTED: string[] = [];
/** The message files themselves: the one place words for people belong. */
const MESSAGES_DIRECTORY = "web/src/i18n/";

const root = new URL("../../", import.meta.url);

/** Every TypeScript file of the web UI, as a path from the repository's root. */
async function uiFiles(): Promise<string[]> {
  const entries = await readdir(new URL("web/src/", root), { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts"))
    .map((entry) => relative(fileURLToPath(root), join(entry.parentPath, entry.name)))
    .sort();
}

test("no UI file holds words for people outside the message files (all of web/src but the History view)", async () => {
  const files = await uiFiles();
  const scanned = files.filter(
    (path) => !path.startsWith(MESSAGES_DIRECTORY) && !NOT_YET_CONVERTED.includes(path),
  );
  // The scan reaches the views, the helpers and the entry point, not only some of them.
  for (const expected of ["web/src/main.ts", "web/src/views/sources-view.ts", "web/src/lib/snippets.ts"])
    assert.ok(scanned.includes(expected), `${expected} is scanned`);
  // An exception that no longer names a file would hide nothing and go unnoticed: it must exist.
  for (const path of NOT_YET_CONVERTED) assert.ok(files.includes(path), `${path} exists`);
  const offenders: string[] = [];
  for (const path of scanned) {
    const source = await readFile(new URL(path, root), "utf8");
    for (const { line, text } of textLiterals(source, path))
      offenders.push(`${path}:${line}: ${JSON.stringify(text)}`);
  }
  assert.deepEqual(offenders, [], "move these texts into web/src/i18n/en.ts, de.ts and fr.ts");
});

test("the scan finds words shown to people, in every place the views put them", () => {
  const source = `
    const a = h("button", { type: "button" }, "Cancel");
    const b = h("span", { "aria-label": "Close" });
    const c = h("p", {}, ok ? "Saved" : "Failed");
    error.textContent = "Enter both a start and an end.";
    toast("Deleted");
    const d = \`Retrying \${step} (attempt \${n})\`;
    const e = confirmAction(\`Delete \${name}?\`, message, action);
    const f = { label: "Last hour", ms: 1 };
    el.setAttribute("title", "Copy");
  `;
  assert.deepEqual(
    textLiterals(source).map((l) => l.text),
    [
      "Cancel",
      "Close",
      "Saved",
      "Failed",
      "Enter both a start and an end.",
      "Deleted",
      "Retrying  (attempt )",
      "Delete ?",
      "Last hour",
      "Copy",
    ],
  );
});

test("the scan leaves code alone: classes, selectors, keys, URLs, modules, the product's name, code elements, comparisons, commands", () => {
  const source = `
    import { t } from "../i18n/i18n.ts";
    const a = h("div", { class: "card consent-record", "data-testid": "consent-record" }, t("consent.heading"));
    const b = el.querySelector('input[name="dataSourceId"]:checked');
    const c = h("span", { class: \`badge tip \${tone}\` }, tValue("permission.status", status));
    el.classList.toggle("stale", lost);
    el.setAttribute("role", "alertdialog");
    const d = h("a", { href: "/permissions" }, "aiida-hub");
    const e = \`\${value} \${unit}\`.trim();
    const f = h("td", {}, "–");
    const g = api("GET", \`/permissions/\${id}/data-flow\`);
    const k = h("code", {}, "--host 0.0.0.0");
    const l = h("pre", { class: "snippet" }, "mosquitto_pub -h localhost");
    const m = why === "created" ? t("credentials.readyTitle") : t("credentials.newPasswordTitle");
    /** A command a device runs. @commandText */
    function command() {
      return ["export AIIDA_PASSWORD=secret", "aiida-hub publish simulate"].join(" ");
    }
  `;
  assert.deepEqual(textLiterals(source), []);
});
