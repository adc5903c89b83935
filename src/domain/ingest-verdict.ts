/**
 * What became of one device message, for its acknowledgement (MQTT 5 PUBACK reason code and string):
 * `summary` is set whenever the feedback report says something (the report on the feedback topic has it all).
 */
export interface IngestVerdict {
  readonly kind: "stored" | "partial" | "rejected" | "flooded";
  readonly summary: string | undefined;
}
