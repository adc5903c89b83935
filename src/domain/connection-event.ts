/** Something that happened to a data source's MQTT connections, for troubleshooting a device. */
export interface ConnectionEvent {
  /** ISO time. */
  readonly at: string;
  /** `refused`: a CONNECT (login) was refused; `publish-refused`, `subscribe-refused`: a connected device was. */
  readonly kind: "connected" | "disconnected" | "refused" | "publish-refused" | "subscribe-refused";
  /** Why, in words: what the device was told, or how the connection ended. */
  readonly reason: string;
  /** The device's network address as the hub saw it. */
  readonly address: string;
  /** The MQTT client id, when the CONNECT got that far. */
  readonly clientId: string | null;
  /** "MQTT 3.1", "MQTT 3.1.1" or "MQTT 5.0", when known. */
  readonly protocol: string | null;
}
