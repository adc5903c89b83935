import type { TestContext } from "node:test";
import { StandInEddie } from "./stand-in-eddie.ts";
import { collectMessages, type ReceivedMessage, startStandInEpBroker } from "./stand-in-ep-broker.ts";

/**
 * EDDIE with its MQTT broker, as a hub shares with it: the handshake server hands out the broker's
 * credentials, and EDDIE's own client collects every data document and status message on the broker.
 */
export async function eddieWithBroker(t: TestContext) {
  const broker = await startStandInEpBroker(t);
  const eddie = await StandInEddie.start(t);
  eddie.useBroker(broker);
  const eddieClient = await broker.connectEddie(t);
  const received: ReceivedMessage[] = collectMessages(eddieClient);
  await eddieClient.subscribeAsync(["aiida/v1/+/data/outbound/+", "aiida/v1/+/status"], { qos: 1 });
  return { broker, eddie, eddieClient, received };
}
