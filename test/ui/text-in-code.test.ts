import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { textLiterals } from "../helpers/ui-text-literals.ts";

/**
 * The UI files whose words live in the message files (web/src/i18n/). A file joins this list when it
 * is converted; the second extraction pass adds the rest.
 */
const CONVERTED = [
  "web/src/views/add-permission-dialog.ts",
  "web/src/views/asset-name.ts",
  "web/src/views/connection-log-panel.ts",
  "web/src/views/consent-record-panel.ts",
  "web/src/views/data-flow-panel.ts",
  "web/src/views/energy-bars.ts",
  "web/src/views/health-badge.ts",
  "web/src/views/history-chart.ts",
  "web/src/views/history-view.ts",
  "web/src/views/language-switch.ts",
  "web/src/views/login-view.ts",
  "web/src/views/permission-actions.ts",
  "web/src/views/permission-badge.ts",
  "web/src/views/permission-page.ts",
  "web/src/views/permissions-view.ts",
  "web/src/views/range-picker.ts",
  "web/src/views/source-actions.ts",
  "web/src/lib/action-button.ts",
  "web/src/lib/api.ts",
  "web/src/lib/clipboard.ts",
  "web/src/lib/confirm.ts",
  "web/src/lib/dialog.ts",
  "web/src/lib/refreshed-json.ts",
  "web/src/lib/tabs.ts",
  "web/src/lib/toast.ts",
];

const root = new URL("../../", import.meta.url);

test("the converted UI files hold no words for people outside the message files", async () => {
  const offenders: string[] = [];
  for (const path of CONVERTED) {
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

test("the scan leaves code alone: classes, selectors, keys, URLs, modules, the product's name", () => {
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
  `;
  assert.deepEqual(textLiterals(source), []);
});
