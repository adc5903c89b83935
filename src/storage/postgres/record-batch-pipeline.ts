import type { WireOutcome } from "../sqlite/wire-outcome.ts";
import type { PgPool, QueryConfig } from "./pg-pool.ts";
import { RecordBatchPlan } from "./record-batch-plan.ts";
import {
  addCountersStatement,
  feedbackStatements,
  freshRecords,
  insertRecordsStatement,
  lockSourcesStatement,
  markLateHoursDirtyStatement,
} from "./record-batch-store.ts";
import { shareRecordWriteLocksStatement } from "./rollup-locks.ts";

/** How a pipelined try ended: committed, or rolled back for the step-by-step path to do it instead. */
export type PipelinedOutcome = "committed" | "handed-back";

/**
 * Stores a batch in two round trips on a connection in pipeline mode: every statement of the usual
 * batch at once (every data source still there, every record new), then COMMIT once the answers show
 * that it was the usual batch. Otherwise (a source deleted meanwhile, a redelivered record, any error)
 * it rolls back and hands the batch back to `storeBatch`, which decides step by step; nothing of the
 * try stays. The step-by-step path waits for each statement's answer, about nine round trips, each
 * waiting its turn on a busy event loop: the usual batch need not.
 */
export async function storeUsualBatch(
  pipelined: PgPool,
  outcomes: readonly WireOutcome[],
): Promise<PipelinedOutcome> {
  // Throws as storeBatch does when a hub-stamped time repeats within the batch.
  const plan = new RecordBatchPlan(outcomes);
  const keys = plan.gains.map((g) => g.key);
  if (keys.length === 0) return "committed";
  // The counters as if every record is new; the answers below prove it, or the try is rolled back.
  plan.count(() => true, new Map());
  const client = await pipelined.connect();
  let usual = false;
  try {
    // Sent in this order without waiting; the server runs them in order within the transaction.
    const statements: (QueryConfig | string | undefined)[] = [
      "BEGIN",
      lockSourcesStatement(keys),
      shareRecordWriteLocksStatement(keys),
      plan.groups.length > 0 ? insertRecordsStatement(plan.groups) : undefined,
      ...feedbackStatements(plan),
      plan.groups.length > 0 ? markLateHoursDirtyStatement(plan.groups) : undefined,
      addCountersStatement(plan),
    ];
    const sent = statements.map((s) => (s === undefined ? Promise.resolve(undefined) : client.query(s)));
    const answers = await Promise.allSettled(sent);
    const [, locked, , inserted] = answers;
    usual =
      answers.every((a) => a.status === "fulfilled") &&
      locked?.status === "fulfilled" &&
      locked.value?.rowCount === keys.length &&
      (plan.groups.length === 0 ||
        (inserted?.status === "fulfilled" &&
          inserted.value !== undefined &&
          freshRecords(inserted.value.rows).size === plan.groups.length));
    if (usual) {
      await client.query("COMMIT");
      client.release();
      return "committed";
    }
    await client.query("ROLLBACK");
    client.release();
    return "handed-back";
  } catch (error) {
    // A connection that failed mid-transaction is dropped, never reused; a failed COMMIT is the caller's to see.
    client.release(true);
    if (usual) throw error;
    return "handed-back";
  }
}
