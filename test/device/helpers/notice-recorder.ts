import type { NoticeSink, PublisherNotice } from "../../../src/device/publisher-notice.ts";
import { waitFor } from "../../helpers/wait-for.ts";

/** Keeps every notice of a publisher run, for assertions and for waiting on events. */
export class NoticeRecorder {
  readonly notices: PublisherNotice[] = [];
  readonly sink: NoticeSink = (notice) => {
    this.notices.push(notice);
  };

  /** Notices of one kind, in order. */
  of<K extends PublisherNotice["kind"]>(kind: K): Extract<PublisherNotice, { kind: K }>[] {
    return this.notices.filter((n): n is Extract<PublisherNotice, { kind: K }> => n.kind === kind);
  }

  /** Waits until at least `count` notices of a kind arrived; returns them. */
  async waitFor<K extends PublisherNotice["kind"]>(
    kind: K,
    count = 1,
    timeoutMs = 15_000,
  ): Promise<Extract<PublisherNotice, { kind: K }>[]> {
    try {
      return await waitFor(
        () => {
          const found = this.of(kind);
          return found.length >= count ? found : undefined;
        },
        `${count} "${kind}" notice(s)`,
        timeoutMs,
      );
    } catch (error) {
      const seen = this.notices.map((n) => (n.kind === "queued" ? "queued" : JSON.stringify(n))).join("\n  ");
      throw new Error(`${(error as Error).message}; notices so far:\n  ${seen}`);
    }
  }
}
