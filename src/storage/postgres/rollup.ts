import type { QuantityEnergy } from "../../domain/energy-flow.ts";
import type { RollupProgress } from "../ports.ts";
import { HOUR_MS } from "../sqlite/hour-summary.ts";
import { PgEnergyQuery } from "./energy-query.ts";
import { msOf, pgInstant } from "./pg-instant.ts";
import { inTransaction, type PgClient, type PgPool } from "./pg-pool.ts";
import { quantitiesIn } from "./quantities-query.ts";
import { inReadSnapshot } from "./read-snapshot.ts";
import { rollUpFrom, rollUpHours, VALUES_PER_STEP } from "./rollup-hours.ts";
import { claimForRollup } from "./rollup-locks.ts";

/**
 * An hour is rolled up only this long after it ends: messages a little late (clock skew, a device
 * sending its backlog after a short outage) then land before the rollup and do not make the hour dirty.
 */
const LATE_GRACE_MS = 15 * 60_000;

/** A data source whose rollup failed is tried again after this long; the others go on meanwhile. */
const RETRY_FAILED_MS = 10 * 60_000;

/** Candidates looked at per step: another instance may hold the first few. */
const CANDIDATES = 16;

/**
 * The hourly rollup on PostgreSQL, with the SQLite rollup's semantics (storage/sqlite/rollup.ts): a
 * watermark per data source in aiida_rollup_state, hours with late values in aiida_rollup_dirty (the
 * record writer puts them there: rollup-locks.ts), and queries that read raw values wherever the rollup
 * does not vouch. Several hub instances may step at once: each step claims one data source with
 * advisory locks (rollup-locks.ts), so two never roll up the same one and none misses a late value.
 */
export class PgHourlyRollup {
  /** Data sources whose last rollup step failed on this instance: skipped until `retryAt`. */
  private readonly failures = new Map<number, { error: string; retryAt: number }>();

  /** `valuesPerStep`: values one catch-up step reads at most (tests make it small). */
  constructor(
    private readonly pool: PgPool,
    private readonly valuesPerStep: number = VALUES_PER_STEP,
  ) {}

  /**
   * Does one bounded step of work for one data source: a dirty hour, or its next whole hours (as many
   * as `valuesPerStep` values fill, at least one) up to the last hour that ended at least LATE_GRACE_MS
   * before `now`. A step that fails puts its data source aside for RETRY_FAILED_MS and counts as work
   * done, so one source's failure never stops the others.
   */
  async step(now: number): Promise<RollupProgress> {
    const upto = Math.floor((now - LATE_GRACE_MS) / HOUR_MS) * HOUR_MS;
    const skipped = [...this.failures].filter(([, f]) => f.retryAt > now).map(([key]) => key);
    const work = { key: undefined as number | undefined };
    try {
      const worked = await inTransaction(
        this.pool,
        async (client) =>
          (await this.recomputeDirty(client, skipped, work)) ||
          (await this.advance(client, upto, skipped, work)),
      );
      if (work.key !== undefined) this.failures.delete(work.key);
      return { worked, failing: await this.failing() };
    } catch (err) {
      if (work.key === undefined) throw err; // not one data source's failure (e.g. the database is down)
      const error = err instanceof Error ? err.message : String(err);
      this.failures.set(work.key, { error, retryAt: now + RETRY_FAILED_MS });
      return { worked: true, failing: await this.failing() };
    }
  }

  /** OBIS codes with a value at `from` ≤ timestamp < `to`, in catalogue order; [] for an unknown id. */
  quantitiesIn(dataSourceId: string, from: number, to: number): Promise<string[]> {
    return inReadSnapshot(this.pool, async (client) => {
      const key = await keyOf(client, dataSourceId);
      return key === undefined ? [] : quantitiesIn(client, key, from, to);
    });
  }

  /** Energy per interval between `edges` of each energy quantity with readings in the range; [] for an unknown id. */
  energy(dataSourceId: string, edges: readonly number[], maxGapMs: number): Promise<QuantityEnergy[]> {
    return inReadSnapshot(this.pool, async (client) => {
      const key = await keyOf(client, dataSourceId);
      return key === undefined ? [] : new PgEnergyQuery(client).run(key, edges, maxGapMs);
    });
  }

  /** The failing data sources by id; those deleted meanwhile are left out. */
  private async failing(): Promise<Map<string, string>> {
    const failing = new Map<string, string>();
    if (this.failures.size === 0) return failing;
    const rows = await this.pool.query<{ key: number; id: string }>(
      "SELECT key, id FROM data_source WHERE key = ANY($1::int[]) ORDER BY key",
      [[...this.failures.keys()]],
    );
    for (const { key, id } of rows.rows) {
      const failure = this.failures.get(key);
      if (failure) failing.set(id, failure.error);
    }
    return failing;
  }

  /** Recomputes one dirty hour of a data source no other instance works on. */
  private async recomputeDirty(
    client: PgClient,
    skipped: readonly number[],
    work: { key: number | undefined },
  ): Promise<boolean> {
    const dirty = await client.query<{ key: number; hour: number }>(
      `SELECT data_source_key AS key, ${msOf("hour")} AS hour FROM aiida_rollup_dirty
        WHERE data_source_key <> ALL($1::int[]) ORDER BY data_source_key, hour LIMIT ${CANDIDATES}`,
      [skipped],
    );
    for (const { key, hour } of dirty.rows) {
      if (!(await claimForRollup(client, key))) continue;
      work.key = key;
      // Cleared before it is recomputed: a value written after this step's commit marks it again.
      const cleared = await client.query(
        "DELETE FROM aiida_rollup_dirty WHERE data_source_key = $1 AND hour = $2",
        [key, new Date(hour)],
      );
      // Another instance recomputed it meanwhile: nothing left here, but other work may be (worked: true).
      if (cleared.rowCount === 0) return true;
      await rollUpHours(client, key, hour, hour + HOUR_MS);
      return true;
    }
    return false;
  }

  /** Rolls up the next hours of a data source that is behind `upto`. */
  private async advance(
    client: PgClient,
    upto: number,
    skipped: readonly number[],
    work: { key: number | undefined },
  ): Promise<boolean> {
    // Data sources without a watermark count only once they have a record: a pass over thousands of
    // sources without records does no work.
    const behind = await client.query<{ key: number }>(
      `SELECT d.key FROM data_source d LEFT JOIN aiida_rollup_state s ON s.data_source_key = d.key
        WHERE d.key <> ALL($2::int[]) AND (s.rolled_up_to < $1
           OR s.rolled_up_to IS NULL AND EXISTS (SELECT 1 FROM aiida_record r WHERE r.data_source_key = d.key))
        ORDER BY d.key LIMIT ${CANDIDATES}`,
      [new Date(upto), skipped],
    );
    for (const { key } of behind.rows) {
      if (!(await claimForRollup(client, key))) continue;
      work.key = key;
      // Read again under the claim: another instance may have moved it since the list was read.
      const state = await client.query<{ upto: number }>(
        `SELECT ${msOf("rolled_up_to")} AS upto FROM aiida_rollup_state WHERE data_source_key = $1`,
        [key],
      );
      const watermark = state.rows[0]?.upto;
      if (watermark !== undefined && watermark >= upto) return true;
      // Starts at the next stored record, so an empty stretch (a device clock that once said 1970)
      // is skipped in one step instead of walked a day at a time.
      const next = await hourOfFirstRecord(client, key, watermark ?? Number.NEGATIVE_INFINITY);
      if (next === undefined && watermark === undefined) return true; // its records went meanwhile
      const from = Math.min(upto, next ?? upto);
      const to = from < upto ? await rollUpFrom(client, key, from, upto, this.valuesPerStep) : upto;
      await client.query(
        `INSERT INTO aiida_rollup_state (data_source_key, rolled_up_to) VALUES ($1, $2)
         ON CONFLICT (data_source_key) DO UPDATE SET rolled_up_to = excluded.rolled_up_to`,
        [key, new Date(to)],
      );
      return true;
    }
    return false;
  }
}

async function hourOfFirstRecord(client: PgClient, key: number, from: number): Promise<number | undefined> {
  // Ordered by r.ts, not by the output named ts: that one is the ms expression, which no index has, and
  // sorting by it read every record from `from` on (a year's catch-up did that once per step).
  const row = await client.query<{ ts: number }>(
    `SELECT ${msOf("r.ts")} AS ts FROM aiida_record r WHERE r.data_source_key = $1 AND r.ts >= $2
      ORDER BY r.ts LIMIT 1`,
    [key, pgInstant(from)],
  );
  const ts = row.rows[0]?.ts;
  return ts === undefined ? undefined : Math.floor(ts / HOUR_MS) * HOUR_MS;
}

/** The storage key of a data source that exists now. */
async function keyOf(client: PgClient, dataSourceId: string): Promise<number | undefined> {
  const row = await client.query<{ key: number }>("SELECT key FROM data_source WHERE id = $1", [
    dataSourceId,
  ]);
  return row.rows[0]?.key;
}
