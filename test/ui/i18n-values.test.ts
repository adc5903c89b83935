import assert from "node:assert/strict";
import { test } from "node:test";
import { ASSETS } from "../../src/domain/data-source.ts";
import { PERMISSION_STATUSES } from "../../src/domain/permission-status.ts";
import type { HealthStatus } from "../../src/services/health.ts";
import { PERMISSION_STEPS } from "../../src/storage/ports.ts";
import { catalogues, LANGUAGES, tParts } from "../../web/src/i18n/i18n.ts";
import { PRESETS } from "../../web/src/lib/history-data.ts";
import type { ConnectionEvent } from "../../web/src/lib/types.ts";

// Complete by type: adding a value to either union without listing it here fails to compile.
const HEALTH: Record<HealthStatus, true> = {
  UP: true,
  WARNING: true,
  DOWN: true,
  UNKNOWN: true,
  DISABLED: true,
};
const KINDS: Record<ConnectionEvent["kind"], true> = {
  connected: true,
  disconnected: true,
  refused: true,
  "publish-refused": true,
  "subscribe-refused": true,
};

/** Every value the hub sends that the UI shows in words, with the message prefix that names it. */
const VALUES: ReadonlyArray<[prefix: string, values: readonly string[]]> = [
  ["permission.status", PERMISSION_STATUSES],
  ["permission.meaning", PERMISSION_STATUSES],
  ["permission.step", PERMISSION_STEPS],
  ["asset", ASSETS],
  ["health.status", Object.keys(HEALTH)],
  ["health.meaning", Object.keys(HEALTH)],
  ["connections.kind", Object.keys(KINDS)],
  ["range.preset", Object.keys(PRESETS)],
];

test("every status, step, asset, health state, connection event and range preset has words in every language", () => {
  const missing: string[] = [];
  for (const language of LANGUAGES) {
    const messages = catalogues()[language] as Readonly<Record<string, string>>;
    for (const [prefix, values] of VALUES) {
      for (const value of values)
        if (!(`${prefix}.${value}` in messages)) missing.push(`${language} ${prefix}.${value}`);
    }
  }
  assert.deepEqual(missing, []);
});

test("a message with an element in it comes in pieces, in the language's own order", () => {
  const link = { element: "a" };
  // English: the language of a test without a browser.
  assert.deepEqual(tParts("dataFlow.sent", { when: link }), [" — sent ", link]);
  assert.deepEqual(tParts("permission.accept.noSource", { asset: "Submeter", others: "", addSource: link }), [
    "No data source has the asset “",
    "Submeter",
    "”",
    ". ",
    link,
    " with this asset, then accept again.",
  ]);
  // A mark without a value stays as written, so a forgotten value is visible rather than blank.
  assert.deepEqual(tParts("dataFlow.sent", {}), [" — sent ", "{when}"]);
});

/** Messages that are rightly the same as in English: the same word in both languages. */
const SAME_AS_ENGLISH: Readonly<Record<"de" | "fr", readonly string[]>> = {
  de: [
    "connections.column.client",
    "permissions.column.eddie",
    "permissions.column.status",
    "consent.column.schema",
    "sources.column.name",
    "source.tab.live",
    "live.live",
    "sourceForm.name",
    "credentials.topic",
  ],
  fr: [
    "connections.column.client",
    "permissions.column.service",
    "permissions.column.eddie",
    "permission.need.service",
    "permission.need.description",
    "dataFlow.transmission",
    "credentials.topic",
  ],
};

test("no message is an English copy left untranslated, except words the languages share", () => {
  const all = catalogues();
  const english = all.en as Readonly<Record<string, string>>;
  for (const language of ["de", "fr"] as const) {
    const messages = all[language] as Readonly<Record<string, string>>;
    const copies = Object.keys(english).filter((key) => {
      // Only marks, separators and the product's name ("{status}: {meaning}") read the same everywhere.
      const words = (english[key] ?? "").replace(/\{\w+\}/g, "").replace("aiida-hub", "");
      return messages[key] === english[key] && /\p{L}{2,}/u.test(words);
    });
    assert.deepEqual(copies, SAME_AS_ENGLISH[language], `${language}: the same text as English`);
  }
});
