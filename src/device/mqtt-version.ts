/** MQTT protocol levels the publisher speaks: 3 = 3.1, 4 = 3.1.1, 5 = 5.0 (the numbers on the wire). */
export type MqttVersion = 3 | 4 | 5;

/** What a user may write for --mqtt-version: the protocol level or the version name. */
const SPELLINGS: Readonly<Record<string, MqttVersion>> = {
  "3": 3,
  "3.1": 3,
  "4": 4,
  "3.1.1": 4,
  "5": 5,
  "5.0": 5,
};

/** The spellings, for the error message of a bad value. */
export const MQTT_VERSION_HELP = "3 (or 3.1), 4 (or 3.1.1) or 5";

/** The protocol level for a --mqtt-version value, or undefined when it is none of the spellings. */
export function parseMqttVersion(value: string): MqttVersion | undefined {
  return SPELLINGS[value.trim()];
}

/** The name users know a level by: "3.1", "3.1.1", "5". */
export function mqttVersionName(version: MqttVersion): string {
  return version === 3 ? "3.1" : version === 4 ? "3.1.1" : "5";
}

/** mqtt.js connect options for a level: MQTT 3.1 still names its protocol "MQIsdp" in CONNECT. */
export function protocolOptions(version: MqttVersion): {
  protocolId: "MQTT" | "MQIsdp";
  protocolVersion: MqttVersion;
} {
  return { protocolId: version === 3 ? "MQIsdp" : "MQTT", protocolVersion: version };
}
