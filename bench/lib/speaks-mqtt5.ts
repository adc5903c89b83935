import { ConnectError, WireClient } from "./mqtt-wire.ts";
import type { Device } from "./provision.ts";
import type { Target } from "./servers.ts";

/**
 * Connects one device with MQTT 5 and disconnects: undefined when the server accepted it, else why it
 * did not (raw Aedes, and the hub before its own endpoint, answer a v5 CONNECT with return code 1).
 */
export async function speaksMqtt5(target: Target, device: Device): Promise<string | undefined> {
  try {
    const client = await WireClient.connect({
      host: target.host,
      port: target.port,
      clientId: `bench-probe-${Math.random().toString(36).slice(2, 8)}`,
      ...target.credentials(device),
      protocolVersion: 5,
      tlsCa: target.tlsCa,
      connectTimeoutMs: 10_000,
    });
    await new Promise<void>((resolve) => {
      client.socket.once("close", () => resolve());
      client.end();
    });
    return undefined;
  } catch (err) {
    if (err instanceof ConnectError) return err.message;
    throw err;
  }
}
