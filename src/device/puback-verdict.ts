import type { PublishAck } from "./mqtt-link.ts";

/** MQTT 5 "payload format invalid": the hub read the reading and stored none of it. */
export const PAYLOAD_FORMAT_INVALID = 0x99;

/**
 * What a PUBACK means for the reading, as the hub answers over MQTT 5:
 * - stored: all of it was stored;
 * - partial: a success code with a reason string: only part was kept (the reason string says what);
 * - rejected: 0x99, the hub judged it and stored nothing; sending it again would not change that;
 * - refused: any other code of 0x80 or more (0x97 quota exceeded, …): not taken now, send it again later.
 */
export type PubackVerdict = "stored" | "partial" | "rejected" | "refused";

export function judgePuback(ack: PublishAck): PubackVerdict {
  if (ack.reasonCode === PAYLOAD_FORMAT_INVALID) return "rejected";
  if (ack.reasonCode >= 0x80) return "refused";
  return ack.reasonString === undefined ? "stored" : "partial";
}
