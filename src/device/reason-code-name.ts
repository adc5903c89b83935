import { ReasonCodes } from "mqtt";

/** mqtt.js's name of an MQTT reason code in lower case ("quota exceeded"), or undefined for an unknown code. */
export function reasonCodeName(code: number): string | undefined {
  return (ReasonCodes as Readonly<Record<number, string | undefined>>)[code]?.toLowerCase();
}
