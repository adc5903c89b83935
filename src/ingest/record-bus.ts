import type { AiidaRecord } from "../domain/aiida-record.ts";
import { FanOut } from "../platform/fan-out.ts";
import type { Logger } from "../platform/logger.ts";
import type { FeedbackReport } from "../storage/ports.ts";

/** Newly stored records, fanned out to the live view, health and (later) sharing. */
export class RecordBus extends FanOut<AiidaRecord> {
  constructor(logger: Logger) {
    super("record", logger);
  }
}

/** Feedback reports as they are sent to devices, for the live view. */
export class FeedbackBus extends FanOut<FeedbackReport> {
  constructor(logger: Logger) {
    super("feedback", logger);
  }
}
