import { t } from "../i18n/i18n.ts";
import { ApiError, api, type FieldProblem, messageOf } from "../lib/api.ts";
import { catalogue } from "../lib/catalogue.ts";
import { openDialog } from "../lib/dialog.ts";
import { h, replace } from "../lib/dom.ts";
import { humanize } from "../lib/format.ts";
import { roleText } from "../lib/quantity-names.ts";
import type { Catalogue, Credentials, DataSource } from "../lib/types.ts";
import { type Field, field, select } from "./form-fields.ts";

/** What creating a data source returns: its fields plus the one-time credentials. */
export type CreatedSource = DataSource & { readonly credentials: Credentials };

const ASSET_HINTS: Record<string, string> = {
  "CONNECTION-AGREEMENT-POINT": "the grid connection point (main meter)",
  "CONTROLLABLE-UNIT": "a device the hub could steer (heat pump, charger)",
  "DEDICATED-MEASUREMENT-DEVICE": "a separate measuring device",
  SUBMETER: "a meter behind the main meter",
};

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
    const save = h("button", { type: "submit", class: "primary" }, existing ? "Save" : "Add data source");
    const cancel = h("button", { type: "button" }, "Cancel");
    const form = h(
      "form",
      { class: "source-form", novalidate: true },
      Object.values(fields).map((f) => f.wrapper),
      general,
      h("div", { class: "actions" }, cancel, save),
    );
    const dialog = openDialog(existing ? `Edit ${existing.name}` : "Add a data source", [form], () =>
      resolve(result),
    );
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
  const countries = [...cat.countries].sort((a, b) => a.name.localeCompare(b.name));
  return {
    name: field(
      "name",
      "Name",
      h("input", { maxlength: 100, value: s?.name ?? "", placeholder: "e.g. Main meter" }),
    ),
    type: field(
      "type",
      "Type",
      select(
        cat.types.map((t) => [t, t === "CIM" ? "CIM (JSON over MQTT)" : t]),
        s?.type ?? cat.types[0] ?? "",
        s !== undefined,
      ),
      "The message format the device sends.",
    ),
    asset: field(
      "asset",
      "Asset",
      select(
        cat.assets.map((a) => [a, `${humanize(a)} — ${ASSET_HINTS[a] ?? ""}`]),
        s?.asset ?? cat.assets[0] ?? "",
      ),
    ),
    role: field(
      "role",
      "Role",
      select(
        cat.roles.map((r) => [r.role, roleText(r.role)]),
        s?.role ?? cat.assetDefaultRoles[s?.asset ?? cat.assets[0] ?? ""] ?? "",
      ),
      t("role.hint"),
    ),
    countryCode: field(
      "countryCode",
      "Country",
      select(
        [["", "Choose a country…"], ...countries.map((c): [string, string] => [c.code, c.name])],
        s?.countryCode ?? guessCountry(cat),
      ),
    ),
    meterId: field(
      "meterId",
      "Meter id (optional)",
      h("input", { maxlength: 64, value: s?.meterId ?? "" }),
      "As printed on the meter.",
    ),
    operatorId: field(
      "operatorId",
      "Operator id (optional)",
      h("input", { maxlength: 64, value: s?.operatorId ?? "" }),
      "Your grid operator's id, if you know it.",
    ),
    plausibility: field(
      "plausibility",
      "Plausible ranges (optional, JSON)",
      textArea(s?.plausibility ? JSON.stringify(s.plausibility, null, 2) : ""),
      "Values outside are stored, with a warning in the feedback. Per OBIS code or quantity type, min and/or max; empty for the household defaults.",
    ),
    icon: field(
      "icon",
      "Icon",
      select(
        cat.icons.map((i) => [i, humanize(i)]),
        s?.icon ?? cat.icons[0] ?? "",
      ),
    ),
    enabled: field(
      "enabled",
      "Enabled (accept messages from this device)",
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
  const area = h("textarea", { rows: 3, spellcheck: "false", placeholder: '{"1-0:1.7.0": {"max": 250}}' });
  area.value = text;
  return area;
}

/** The ranges typed as JSON; null when empty. Text that is not JSON is refused here, as a field error. */
function plausibilityOf(text: string): unknown {
  if (text.trim() === "") return null;
  try {
    return JSON.parse(text);
  } catch {
    const reason = 'must be JSON such as {"1-0:1.7.0": {"max": 250}}';
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
  const summary = details.length > 0 ? "Please correct the marked fields." : messageOf(err);
  replace(general, unplaced.length > 0 ? unplaced.join("; ") : summary);
  first?.control.focus();
}

/** The country of the browser's language region (de-AT → AT), when the hub knows it. */
function guessCountry(cat: Catalogue): string {
  const region = new Intl.Locale(navigator.language).maximize().region ?? "";
  return cat.countries.some((c) => c.code === region) ? region : "";
}
