import { t } from "../i18n/i18n.ts";
import { humanize } from "./format.ts";
import { isMessageKey } from "./messages.ts";
import type { Catalogue, PlainQuantityName } from "./types.ts";

/** A plain quantity name from the catalogue's parts, in the UI's language; the API's English text if a key is new. */
export function plainNameText(name: PlainQuantityName): string {
  const key = `flow.${name.flow}`;
  if (!isMessageKey(key)) return name.text;
  const flow = t(key);
  const phased = name.phase === null ? flow : t("quantity.inPhase", { name: flow, phase: name.phase });
  return name.total ? t("quantity.total", { name: phased }) : phased;
}

/** What a role calls a quantity (by OBIS code); undefined where the role gives it no plain name. */
export function plainName(cat: Catalogue, role: string, dataTag: string): string | undefined {
  const name = cat.roles.find((r) => r.role === role)?.quantityNames[dataTag];
  return name === undefined ? undefined : plainNameText(name);
}

/** A quantity's name for people: its plain name for the role, else its OBIS name in words. */
export function quantityLabel(cat: Catalogue, role: string, dataTag: string, obisName?: string): string {
  return plainName(cat, role, dataTag) ?? humanize(obisName ?? dataTag);
}

/** A role in words ("Grid connection meter"); the value itself for a role this UI does not know yet. */
export function roleText(role: string): string {
  const key = `role.${role}`;
  return isMessageKey(key) ? t(key) : role;
}
