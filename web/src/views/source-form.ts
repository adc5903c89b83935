import { currentLocale, t, tValue } from "../i18n/i18n.ts";
import { ApiError, api, type FieldProblem, messageOf } from "../lib/api.ts";
import { catalogue } from "../lib/catalogue.ts";
import { countryName } from "../lib/country-name.ts";
import { openDialog } from "../lib/dialog.ts";
import { h, replace } from "../lib/dom.ts";
import { roleText } from "../lib/quantity-names.ts";
import type { Catalogue, Credentials, DataSource } from "../lib/types.ts";
import { type Field, field, select } from "./form-fields.ts";

/** What creating a data source returns: its fields plus the one-time credentials. */
export type CreatedSource = DataSource & { readonly credentials: Credentials };

/** An example of plausible ranges, for the box's placeholder and its error. */
const PLAUSIBILITY_EXAMPLE = JSON.stringify({ "1-0:1.7.0": { max: 250 } }, null, 1).replace(/\n\s*/g, "");

/** Opens the "add data source" dialog; resolves with the created source, or undefined if cancelled. */
export async function openSourceForm(): Promise<CreatedSource | undefined> {
  return sourceForm(undefined) as Promise<CreatedSource | undefined>;
}

/** Opens the edit dialog for a source; resolves with the saved source, or undefined if cancelled. */
export async function editSource(source: DataSource): Promise<DataSource | undefined> {
  return sourceForm(source);
}

async function sourceForm(existing: DataSource | undefined): Promise<DataSource | undefined> {
  const cat = await catalogue();
  return new Promise((resolve) => {
    let result: DataSource | undefined;
    const fields = buildFields(cat, existing);
    followAssetDefaultRole(cat, fields, existing === undefined);
    const general = h("p", { class: "form-error", role: "alert" });
    const save = h(
      "button",
      { type: "submit", class: "primary" },
      existing ? t("common.save") : t("sourceForm.submitAdd"),
    );
    const cancel = h("button", { type: "button" }, t("common.cancel"));
    const form = h(
      "form",
      { class: "source-form", novalidate: true },
      Object.values(fields).map((f) => f.wrapper),
      general,
      h("div", { class: "actions" }, cancel, save),
    );
    const title = existing ? t("sourceForm.editTitle", { name: existing.name }) : t("sourceForm.addTitle");
    const dialog = openDialog(title, [form], () => resolve(result));
    cancel.addEventListener("click", () => dialog.close());
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      for (const f of Object.values(fields)) f.setError(undefined);
      replace(general);
      save.disabled = true;
      try {
        const body = valuesOf(fields, existing === undefined);
        result = existing
          ? await api<DataSource>("PATCH", `/datasources/${existing.id}`, body)
          : await api<CreatedSource>("POST", "/datasources", body);
        dialog.close();
      } catch (err) {
        showErrors(err, fields, general);
      } finally {
        save.disabled = false;
      }
    });
    fields.name?.control.focus();
  });
}

function buildFields(cat: Catalogue, s: DataSource | undefined): Record<string, Field> {
  const countries = cat.countries
    .map((c) => ({ code: c.code, name: countryName(c.code, c.name) }))
    .sort((a, b) => a.name.localeCompare(b.name, currentLocale()));
  return {
    name: field(
      "name",
      t("sourceForm.name"),
      h("input", { maxlength: 100, value: s?.name ?? "", placeholder: t("sourceForm.namePlaceholder") }),
    ),
    type: field(
      "type",
      t("sourceForm.type"),
      select(
        cat.types.map((type) => [type, tValue("sourceForm.type", type)]),
        s?.type ?? cat.types[0] ?? "",
        s !== undefined,
      ),
      t("sourceForm.typeHint"),
    ),
    asset: field(
      "asset",
      t("sourceForm.asset"),
      select(
        cat.assets.map((a) => [a, `${tValue("asset", a)} — ${tValue("sourceForm.assetHint", a)}`]),
        s?.asset ?? cat.assets[0] ?? "",
      ),
    ),
    role: field(
      "role",
      t("sourceForm.role"),
      select(
        cat.roles.map((r) => [r.role, roleText(r.role)]),
        s?.role ?? cat.assetDefaultRoles[s?.asset ?? cat.assets[0] ?? ""] ?? "",
      ),
      t("role.hint"),
    ),
    countryCode: field(
      "countryCode",
      t("sourceForm.country"),
      select(
        [["", t("sourceForm.chooseCountry")], ...countries.map((c): [string, string] => [c.code, c.name])],
        s?.countryCode ?? guessCountry(cat),
      ),
    ),
    meterId: field(
      "meterId",
      t("sourceForm.meterId"),
      h("input", { maxlength: 64, value: s?.meterId ?? "" }),
      t("sourceForm.meterIdHint"),
    ),
    operatorId: field(
      "operatorId",
      t("sourceForm.operatorId"),
      h("input", { maxlength: 64, value: s?.operatorId ?? "" }),
      t("sourceForm.operatorIdHint"),
    ),
    plausibility: field(
      "plausibility",
      t("sourceForm.plausibility"),
      textArea(s?.plausibility ? JSON.stringify(s.plausibility, null, 2) : ""),
      t("sourceForm.plausibilityHint"),
    ),
    icon: field(
      "icon",
      t("sourceForm.icon"),
      select(
        cat.icons.map((i) => [i, tValue("icon", i)]),
        s?.icon ?? cat.icons[0] ?? "",
      ),
    ),
    enabled: field(
      "enabled",
      t("sourceForm.enabled"),
      h("input", { type: "checkbox", checked: s?.enabled ?? true }),
    ),
  };
}

/**
 * While adding a data source, the role follows the chosen asset (the connection agreement point is the grid
 * meter) until the user picks a role; an existing source keeps its role whatever its asset.
 */
function followAssetDefaultRole(cat: Catalogue, fields: Record<string, Field>, creating: boolean): void {
  const asset = fields.asset?.control;
  const role = fields.role?.control;
  if (!creating || !asset || !role) return;
  let chosen = false;
  role.addEventListener("change", () => {
    chosen = true;
  });
  asset.addEventListener("change", () => {
    const byDefault = cat.assetDefaultRoles[asset.value];
    if (!chosen && byDefault !== undefined) role.value = byDefault;
  });
}

function valuesOf(fields: Record<string, Field>, creating: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(fields)) {
    if (name === "type" && !creating) continue;
    const c = f.control;
    body[name] = c instanceof HTMLInputElement && c.type === "checkbox" ? c.checked : c.value;
  }
  if (creating) {
    // Leave optional ids out when empty: the API treats missing and empty the same.
    if (body.meterId === "") delete body.meterId;
    if (body.operatorId === "") delete body.operatorId;
  }
  body.plausibility = plausibilityOf(String(body.plausibility ?? ""));
  if (creating && body.plausibility === null) delete body.plausibility;
  return body;
}

/** The JSON box for plausible ranges (a textarea's text is its value, not an attribute). */
function textArea(text: string): HTMLTextAreaElement {
  const area = h("textarea", { rows: 3, spellcheck: "false", placeholder: PLAUSIBILITY_EXAMPLE });
  area.value = text;
  return area;
}

/** The ranges typed as JSON; null when empty. Text that is not JSON is refused here, as a field error. */
function plausibilityOf(text: string): unknown {
  if (text.trim() === "") return null;
  try {
    return JSON.parse(text);
  } catch {
    const reason = t("sourceForm.plausibilityNotJson", { example: PLAUSIBILITY_EXAMPLE });
    throw new ApiError(400, "VALIDATION_FAILED", reason, [{ path: "plausibility", reason }]);
  }
}

function showErrors(err: unknown, fields: Record<string, Field>, general: HTMLElement): void {
  const details: readonly FieldProblem[] = err instanceof ApiError ? err.details : [];
  const unplaced: string[] = [];
  let first: Field | undefined;
  for (const d of details) {
    const f = fields[d.path.split(".")[0] ?? ""];
    if (f) {
      f.setError(d.reason);
      first ??= f;
    } else unplaced.push(d.path === "$" ? d.reason : `${d.path}: ${d.reason}`);
  }
  const summary = details.length > 0 ? t("sourceForm.correctFields") : messageOf(err);
  replace(general, unplaced.length > 0 ? unplaced.join("; ") : summary);
  first?.control.focus();
}

/** The country of the browser's language region (de-AT → AT), when the hub knows it. */
function guessCountry(cat: Catalogue): string {
  const region = new Intl.Locale(navigator.language).maximize().region ?? "";
  return cat.countries.some((c) => c.code === region) ? region : "";
}
