import type { Logger } from "../platform/logger.ts";

/** What kicks a username's clients off EMQX (EmqxClientKicker). */
export interface ClientKicker {
  kickUser(username: string): Promise<string[]>;
}

/**
 * Disconnects a revoked device (its data source disabled, deleted or re-keyed) from EMQX in the background:
 * the change is already stored, so a failed kick is logged and never fails the request that made it.
 */
export class EmqxRevocations {
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly kicker: ClientKicker,
    private readonly logger: Logger,
  ) {}

  /** Starts kicking every EMQX client of the data source; returns at once. */
  revoke(dataSourceId: string): void {
    const kick = this.kicker.kickUser(dataSourceId).then(
      (clientIds) => {
        if (clientIds.length > 0)
          this.logger.info("revoked device disconnected from EMQX", { dataSource: dataSourceId, clientIds });
      },
      (error: unknown) => {
        // EmqxApiError names the status and EMQX's code, never the API secret.
        this.logger.error(
          "could not disconnect a revoked device from EMQX; it stays connected until it reconnects",
          {
            dataSource: dataSourceId,
            error: error instanceof Error ? error.message : String(error),
          },
        );
      },
    );
    this.running.add(kick);
    void kick.finally(() => this.running.delete(kick));
  }

  /** Resolves when every kick started so far has finished (at stop, and in tests). */
  async settled(): Promise<void> {
    await Promise.all([...this.running]);
  }
}
