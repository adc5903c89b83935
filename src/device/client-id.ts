import type { MqttVersion } from "./mqtt-version.ts";

/** MQTT 3.1 allows client ids of 1 to 23 characters; brokers (the hub's Aedes among them) refuse longer ones. */
const MQTT_31_MAX_CLIENT_ID = 23;

/**
 * The publisher's MQTT client id: `aiida-pub-<data source id>`, so the hub's log and client id binding
 * name the data source. Under MQTT 3.1 that is too long for a UUID, so it keeps as much of the id as
 * fits after a shorter prefix (`pub-0b9c4f3e-8a51-4c1e-`: about 60 random bits of a hub-made id).
 */
export function publisherClientId(username: string, version: MqttVersion): string {
  const full = `aiida-pub-${username}`;
  if (version !== 3 || full.length <= MQTT_31_MAX_CLIENT_ID) return full;
  return `pub-${username}`.slice(0, MQTT_31_MAX_CLIENT_ID);
}
