import type { ConnectionEvent } from "../domain/connection-event.ts";

/** Events kept per data source: enough to see a pattern of refusals, few enough to hold for every source. */
export const CONNECTION_EVENTS_KEPT = 50;

/** The last CONNECTION_EVENTS_KEPT connection events of each data source, in memory. */
export class ConnectionLog {
  private readonly bySource = new Map<string, ConnectionEvent[]>();

  constructor(private readonly now: () => number = Date.now) {}

  record(sourceId: string, event: Omit<ConnectionEvent, "at">): void {
    const events = this.bySource.get(sourceId) ?? [];
    events.push({ at: new Date(this.now()).toISOString(), ...event });
    if (events.length > CONNECTION_EVENTS_KEPT) events.shift();
    this.bySource.set(sourceId, events);
  }

  /** The data source's events, newest first. */
  of(sourceId: string): ConnectionEvent[] {
    return [...(this.bySource.get(sourceId) ?? [])].reverse();
  }

  /** Drops the events of data sources that no longer exist. */
  keepOnly(exists: (sourceId: string) => boolean): void {
    for (const id of this.bySource.keys()) if (!exists(id)) this.bySource.delete(id);
  }
}

/** The protocol name of an MQTT protocol level. */
export function protocolName(level: number): string {
  if (level === 3) return "MQTT 3.1";
  if (level === 5) return "MQTT 5.0";
  return "MQTT 3.1.1";
}
