import type { Aedes, Client, PublishPacket } from "aedes";

type Done = (error?: Error | null) => void;
/** Aedes's publish as its handlers call it (the typings only show the programmatic form). */
type BrokerPublish = (packet: PublishPacket, client: Client | Done | null, done?: Done) => void;

/**
 * Makes Aedes hand a device's data message back as published without routing it. The hub consumes
 * device data itself (ingest runs in authorizePublish, before this) and no client may subscribe to a
 * data topic, so the retained store, the offline queues and the topic matching would only cost time:
 * they took ~17 % of the broker thread under load.
 */
export function skipRoutingOfDeviceData(aedes: Aedes, isDeviceDataTopic: (topic: string) => boolean): void {
  const broker = aedes as unknown as { publish: BrokerPublish };
  const route = broker.publish.bind(aedes);
  broker.publish = (packet, client, done) => {
    // A client is present only for publishes that came over a connection and passed authorizePublish.
    if (client !== null && typeof client === "object" && done && isDeviceDataTopic(packet.topic)) {
      done(null);
      return;
    }
    route(packet, client, done);
  };
}
