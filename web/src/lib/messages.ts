import { en, type MessageKey } from "../messages/en.ts";

/** The UI text of a message key, with its `{placeholders}` filled in from `params`. */
export function message(key: MessageKey, params: Readonly<Record<string, string>> = {}): string {
  return en[key].replace(/\{(\w+)\}/g, (placeholder, name: string) => params[name] ?? placeholder);
}

/** True for a string that is a message key (keys built from API values, such as a role). */
export function isMessageKey(key: string): key is MessageKey {
  return Object.hasOwn(en, key);
}
