/** Who holds one client id: its data source, how many of its connections use it, whether a session outlives them. */
interface Holding {
  readonly sourceId: string;
  connections: number;
  /** A persistent session with subscriptions, where the broker queues messages while the device is offline. */
  session: boolean;
}

/**
 * Binds MQTT client ids to data sources. The broker keys sessions, offline queues and "a new
 * connection with the same client id replaces the old one" by the client id alone, so without this
 * one device could take over another's connection and queued messages by reusing its client id.
 * A client id belongs to a data source while one of its connections uses it and, after that, for
 * as long as a persistent session of it may hold queued messages (the broker's in-memory
 * persistence keeps those for its lifetime, and so does this map).
 */
export class ClientIdOwners {
  private readonly holdings = new Map<string, Holding>();

  /** `sourceExists` tells whether a data source still exists: a deleted one's client ids are free again. */
  constructor(private readonly sourceExists: (sourceId: string) => boolean) {}

  /**
   * Takes the client id for one connection of the data source; false when another data source holds
   * it. A clean-session connection ends the persistent session, as the broker wipes it on connect.
   */
  claim(clientId: string, sourceId: string, cleanSession: boolean): boolean {
    let holding = this.holdings.get(clientId);
    if (holding && holding.sourceId !== sourceId) {
      if (this.sourceExists(holding.sourceId)) return false;
      holding = undefined;
    }
    if (!holding) {
      holding = { sourceId, connections: 0, session: false };
      this.holdings.set(clientId, holding);
    }
    holding.connections++;
    if (cleanSession) holding.session = false;
    return true;
  }

  /** Marks that a persistent session of the client id now holds a subscription. */
  keepSession(clientId: string, sourceId: string): void {
    const holding = this.holdings.get(clientId);
    if (holding?.sourceId === sourceId) holding.session = true;
  }

  /** Gives back one connection's claim; the id stays bound while a persistent session may hold messages. */
  release(clientId: string, sourceId: string): void {
    const holding = this.holdings.get(clientId);
    // A deleted source's connection may close after another source took the id over.
    if (holding?.sourceId !== sourceId) return;
    holding.connections--;
    if (holding.connections <= 0 && !holding.session) this.holdings.delete(clientId);
  }
}
