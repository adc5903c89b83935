import { en, type MessageKey } from "../i18n/en.ts";

/** True for a string that is a message key (keys built from API values, such as a role). */
export function isMessageKey(key: string): key is MessageKey {
  return Object.hasOwn(en, key);
}
