import { ReasonCodes } from "mqtt";
import { quoteRemoteText } from "./remote-text.ts";

/** mqtt.js's name of an MQTT reason code in lower case ("quota exceeded"), or undefined for an unknown code. */
export function reasonCodeName(code: number): string | undefined {
  return (ReasonCodes as Readonly<Record<number, string | undefined>>)[code]?.toLowerCase();
}

/** `0x97 quota exceeded: "…"`: an MQTT 5 reason code in hex, its name, and the broker's reason string if any. */
export function describeReasonCode(code: number, reasonString: string | undefined): string {
  const name = reasonCodeName(code);
  return (
    `0x${code.toString(16).padStart(2, "0")}${name ? ` ${name}` : ""}` +
    (reasonString === undefined ? "" : `: ${quoteRemoteText(reasonString)}`)
  );
}
