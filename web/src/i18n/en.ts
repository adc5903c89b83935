/**
 * The UI's English messages: the reference every other language file must match key for key
 * (a missing key is a compile error there). `{name}` marks a value put in; keys ending in `.one` /
 * `.other` (and any other plural category of a language) are chosen by count with `tn()`.
 */
export const en = {
  "language.label": "Language",
  "header.dataSources": "Data sources",
  "header.permissions": "Permissions",
  "header.changePassword": "Change password",
  "header.logOut": "Log out",
  "header.caCertificate": "CA certificate",
  "header.mainNavigation": "Main",
  "contact.lost": "Lost contact with the hub",
  "contact.lostSince":
    " since {time}. What this page shows is from before then and may be out of date; it reconnects by itself.",
  "time.never": "never",
  "time.secondsAgo": "{n} s ago",
  "time.minutesAgo": "{n} min ago",
  "time.hoursAgo": "{n} h ago",
  "time.daysAgo": "{n} d ago",
} as const;

/** A message's name. */
export type MessageKey = keyof typeof en;

/** A language's messages: every key of the English file, each a string. */
export type Messages = { readonly [K in MessageKey]: string };
