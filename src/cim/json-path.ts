// Plain names read better in logs; anything else (dots, spaces, quotes) needs the bracket form to stay unambiguous.
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** The JSON path of member `key` of the object at `parent`: `$.Quantity`, or `$['dateAndOrTime.dateTime']`. */
export function memberPath(parent: string, key: string): string {
  return IDENTIFIER.test(key) ? `${parent}.${key}` : `${parent}[${quoteKey(key)}]`;
}

/** The JSON path of element `index` of the array at `parent`: `$.Quantity[2]`. */
export function indexPath(parent: string, index: number): string {
  return `${parent}[${index}]`;
}

function quoteKey(key: string): string {
  let quoted = "";
  for (const char of key) {
    if (char === "'" || char === "\\") quoted += `\\${char}`;
    // Control characters are escaped so that a hostile key cannot break a log line.
    else if (char < " ") quoted += `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`;
    else quoted += char;
  }
  return `'${quoted}'`;
}
