/** How often escapes are decoded at most; a target still changing after that is treated as the API's. */
const MAX_DECODINGS = 8;

/**
 * Whether a request target (the request line's path, as sent) could be meant for the API under
 * /api, in any spelling a router might decode or normalise: percent-escapes decoded again and
 * again, upper case, `\` and `;` as separators, dot segments and doubled slashes, the absolute form
 * (`http://host/api/…`). It errs towards yes: every path with a segment that reads "api" counts, so
 * an unknown API path is never answered as a page, and without a session it gets the same 401 as
 * a private route (the set of API routes cannot be probed).
 */
export function mayReachApi(target: string): boolean {
  // Only a literal ? or # ends the path; an escaped one is decoded below and splits segments too.
  let path = target.split(/[?#]/, 1)[0] ?? "";
  for (let i = 0; ; i++) {
    const decoded = decodeEscapes(path);
    if (decoded === path) break;
    if (i === MAX_DECODINGS) return true;
    path = decoded;
  }
  return path
    .toLowerCase()
    .split(/[/\\;?#]/)
    .some((segment) => /^[^a-z0-9]*api[^a-z0-9]*$/.test(segment));
}

/** Decodes every %XX escape to the byte's character (Latin-1), valid UTF-8 or not: "api" is ASCII. */
function decodeEscapes(path: string): string {
  return path.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}
