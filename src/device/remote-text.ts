/** Longest text from the broker (a reason string) shown in one console line. */
const MAX_SHOWN = 300;

/**
 * Text a broker sent (MQTT 5 reason strings), quoted for one console line: JSON quoting escapes line
 * breaks and control characters, so a broker cannot forge or split the publisher's lines; long text is cut.
 */
export function quoteRemoteText(text: string): string {
  const shown = text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text;
  return JSON.stringify(shown);
}
