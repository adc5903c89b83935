import type Database from "better-sqlite3";
import { HOUR_MS, summariseHours } from "./hour-summary.ts";
import { inWriteTransaction } from "./write-transaction.ts";

export { HOUR_MS };

/**
 * An hour is rolled up only this long after it ends: messages a little late (clock skew, a device
 * sending its backlog after a short outage) then land before the rollup and do not make the hour dirty.
 */
const LATE_GRACE_MS = 15 * 60_000;

/** Hours rolled up in one transaction, so ingest never waits long for the database. */
const HOURS_PER_STEP = 24;

/** A data source whose rollup failed is tried again after this long; the others go on meanwhile. */
const RETRY_FAILED_MS = 10 * 60_000;

/** What one step did: whether there was work, and the data sources whose rollup fails (storage key → error). */
export interface RollupStepResult {
  readonly worked: boolean;
  readonly failing: ReadonlyArray<readonly [number, string]>;
}

/**
 * Hourly min/max/sum/count/first/last per data source and OBIS code (and, for energy per period, the
 * longest gap, rise, falls and trapezoidal area of the hour's consecutive values), kept beside the raw values so a chart
 * over months or a year reads thousands of rows instead of millions. Rolled up in the background
 * up to a watermark per data source; a value that arrives later for an hour below the watermark
 * marks that hour dirty, and the next pass recomputes it. Queries read raw values for whatever is
 * not (yet) rolled up, so results never depend on the job's progress.
 */
export class HourlyRollup {
  private readonly watermarks = new Map<number, number>();
  /** Data sources whose last rollup step failed: skipped until `retryAt`, so the others go on. */
  private readonly failures = new Map<number, { error: string; retryAt: number }>();
  /** The data source the running step works on, so a failure is put down to it. */
  private working: number | undefined;
  /** The watermark the running step moves to; kept in memory only once its transaction has committed. */
  private advanced: { key: number; to: number } | undefined;
  private readonly markDirty;
  /**
   * Prepared once: a pass over data sources without records ran one lookup per source, and a statement
   * prepared per call holds its native memory until V8 collects it (10,000 sources: ~40 MiB per pass).
   */
  private readonly sql: ReturnType<typeof rollupStatements>;

  constructor(private readonly db: Database.Database) {
    for (const row of db
      .prepare("SELECT data_source_key AS key, rolled_up_to AS upto FROM aiida_rollup_state")
      .all() as {
      key: number;
      upto: number;
    }[]) {
      this.watermarks.set(row.key, row.upto);
    }
    this.markDirty = db.prepare(
      "INSERT OR IGNORE INTO aiida_rollup_dirty (data_source_key, hour) VALUES (?, ?)",
    );
    this.sql = rollupStatements(db);
  }

  /** Called inside the ingest transaction for every stored record. */
  noteWrite(key: number, ts: number): void {
    const upto = this.watermarks.get(key);
    if (upto !== undefined && ts < upto) this.markDirty.run(key, Math.floor(ts / HOUR_MS) * HOUR_MS);
  }

  /**
   * Does one bounded step of work for one data source: a dirty hour, or its next hours up to the last
   * hour that ended at least LATE_GRACE_MS before `now`. A step that fails puts its data source aside
   * for RETRY_FAILED_MS and counts as work done, so one source's failure never stops the others.
   * `worked` is false when there was nothing to do.
   */
  step(now: number): RollupStepResult {
    const upto = Math.floor((now - LATE_GRACE_MS) / HOUR_MS) * HOUR_MS;
    const skipped = this.skippedAt(now);
    this.working = undefined;
    this.advanced = undefined;
    try {
      const worked = inWriteTransaction(
        this.db,
        () => this.recomputeDirty(skipped) || this.advance(upto, skipped),
      );
      this.keepAdvancedWatermark();
      if (this.working !== undefined) this.failures.delete(this.working);
      return { worked, failing: this.failing() };
    } catch (err) {
      if (this.working === undefined) throw err; // not one data source's failure (e.g. no write lock)
      const error = err instanceof Error ? err.message : String(err);
      this.failures.set(this.working, { error, retryAt: now + RETRY_FAILED_MS });
      return { worked: true, failing: this.failing() };
    }
  }

  /** Forgets a data source's rollups (its records are being purged). */
  drop(key: number): void {
    this.sql.dropHours.run(key);
    this.sql.dropDirty.run(key);
    this.sql.dropState.run(key);
    this.watermarks.delete(key);
    this.failures.delete(key);
  }

  /**
   * Retention deleted a data source's records up to `upto` (inclusive): the rollups of the hours that
   * are wholly gone go too, and the hour it cut into is marked dirty, so its min/avg/count are
   * recomputed from what is left (queries read it raw until then).
   */
  forgetThrough(key: number, upto: number): void {
    const firstKept = Math.floor((upto + 1) / HOUR_MS) * HOUR_MS;
    this.sql.forgetHoursBefore.run(key, firstKept);
    this.sql.forgetDirtyBefore.run(key, firstKept);
    if (firstKept <= upto) this.noteWrite(key, upto);
  }

  /** Only once the step has committed: after a failed COMMIT (disk full) the watermark stays where the database has it. */
  private keepAdvancedWatermark(): void {
    if (this.advanced) this.watermarks.set(this.advanced.key, this.advanced.to);
  }

  /** The data sources put aside at `now` after a failure. */
  private skippedAt(now: number): Set<number> {
    const skipped = new Set<number>();
    for (const [key, failure] of this.failures) if (failure.retryAt > now) skipped.add(key);
    return skipped;
  }

  private failing(): [number, string][] {
    return [...this.failures].map(([key, failure]) => [key, failure.error]);
  }

  private recomputeDirty(skipped: ReadonlySet<number>): boolean {
    const dirty = this.sql.firstDirty.get(JSON.stringify([...skipped])) as
      | { key: number; hour: number }
      | undefined;
    if (!dirty) return false;
    this.working = dirty.key;
    this.rollUp(dirty.key, dirty.hour, dirty.hour + HOUR_MS);
    this.sql.clearDirty.run(dirty.key, dirty.hour);
    return true;
  }

  private advance(upto: number, skipped: ReadonlySet<number>): boolean {
    for (const key of this.sql.dataSourceKeys.all() as number[]) {
      if (skipped.has(key)) continue;
      const watermark = this.watermarks.get(key);
      if (watermark !== undefined && watermark >= upto) continue;
      this.working = key;
      // Starts at the next stored record, so an empty stretch (a device clock that once said 1970)
      // is skipped in one step instead of walked a day at a time.
      const next = this.hourOfFirstRecord(key, watermark ?? Number.MIN_SAFE_INTEGER);
      if (next === undefined && watermark === undefined) continue; // nothing stored yet
      const from = Math.min(upto, next ?? upto);
      const to = Math.min(upto, from + HOURS_PER_STEP * HOUR_MS);
      if (from < to) this.rollUp(key, from, to);
      this.sql.setWatermark.run(key, to);
      this.advanced = { key, to };
      return true;
    }
    return false;
  }

  private hourOfFirstRecord(key: number, from: number): number | undefined {
    const row = this.sql.firstRecordFrom.get(key, from) as { ts: number } | undefined;
    return row ? Math.floor(row.ts / HOUR_MS) * HOUR_MS : undefined;
  }

  private rollUp(key: number, from: number, to: number): void {
    this.sql.clearHours.run(key, from, to);
    // All summed up before the first insert: the connection runs no statement while one iterates.
    const hours = summariseHours(
      this.sql.valuesIn.iterate(key, from, to) as Iterable<[number, number, number]>,
    );
    for (const { obisKey, hour, min, max, sum, run } of hours) {
      this.sql.insertHour.run(
        key,
        obisKey,
        hour,
        min,
        max,
        sum,
        run.count,
        run.firstTs,
        run.firstValue,
        run.lastTs,
        run.lastValue,
        run.maxGap,
        run.rise,
        run.falls,
        run.area,
      );
    }
  }
}

/** Every statement the rollup runs. */
function rollupStatements(db: Database.Database) {
  return {
    // Plain numbers, not a row object each: a pass over 10,000 data sources allocates one small array.
    dataSourceKeys: db.prepare("SELECT key FROM data_source").pluck(),
    firstRecordFrom: db.prepare(
      "SELECT ts FROM aiida_record WHERE data_source_key = ? AND ts >= ? ORDER BY ts LIMIT 1",
    ),
    setWatermark: db.prepare(
      `INSERT INTO aiida_rollup_state (data_source_key, rolled_up_to) VALUES (?, ?)
       ON CONFLICT (data_source_key) DO UPDATE SET rolled_up_to = excluded.rolled_up_to`,
    ),
    firstDirty: db.prepare(
      "SELECT data_source_key AS key, hour FROM aiida_rollup_dirty WHERE data_source_key NOT IN (SELECT value FROM json_each(?)) LIMIT 1",
    ),
    clearDirty: db.prepare("DELETE FROM aiida_rollup_dirty WHERE data_source_key = ? AND hour = ?"),
    clearHours: db.prepare(
      "DELETE FROM aiida_rollup_hour WHERE data_source_key = ? AND hour >= ? AND hour < ?",
    ),
    valuesIn: db
      .prepare(
        "SELECT obis_key, ts, value FROM aiida_record_value WHERE data_source_key = ? AND ts >= ? AND ts < ?",
      )
      .raw(),
    insertHour: db.prepare(
      `INSERT INTO aiida_rollup_hour (data_source_key, obis_key, hour, min, max, sum, count, first_ts, first_value,
         last_ts, last_value, max_gap, rise, falls, area) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    dropHours: db.prepare("DELETE FROM aiida_rollup_hour WHERE data_source_key = ?"),
    dropDirty: db.prepare("DELETE FROM aiida_rollup_dirty WHERE data_source_key = ?"),
    dropState: db.prepare("DELETE FROM aiida_rollup_state WHERE data_source_key = ?"),
    forgetHoursBefore: db.prepare("DELETE FROM aiida_rollup_hour WHERE data_source_key = ? AND hour < ?"),
    forgetDirtyBefore: db.prepare("DELETE FROM aiida_rollup_dirty WHERE data_source_key = ? AND hour < ?"),
  };
}
