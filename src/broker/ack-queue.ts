import type { Packet } from "mqtt-packet";

interface PendingAck {
  packet: Packet | undefined;
}

/**
 * Acknowledgements sent in the order their PUBLISH packets arrived, as MQTT requires, although the
 * messages' commits (and rate-limit waits) may finish in another order.
 */
export class AckQueue {
  private readonly pending: PendingAck[] = [];

  constructor(private readonly send: (packet: Packet) => void) {}

  /** Takes a place in line for the acknowledgement of the PUBLISH that just arrived. */
  reserve(): (packet: Packet) => void {
    const slot: PendingAck = { packet: undefined };
    this.pending.push(slot);
    return (packet) => {
      slot.packet = packet;
      this.flush();
    };
  }

  /** Acknowledgements waiting for an earlier one (how many PUBLISH packets are in flight). */
  get size(): number {
    return this.pending.length;
  }

  private flush(): void {
    while (this.pending.length > 0) {
      const head = this.pending[0] as PendingAck;
      if (!head.packet) return;
      this.pending.shift();
      this.send(head.packet);
    }
  }
}
