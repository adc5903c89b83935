import { statSync } from "node:fs";
import type { RunContext } from "./context.ts";
import { hubModules } from "./hub-modules.ts";
import { databaseFile, provisionSources } from "./provision.ts";
import { loadYearIntoPostgres } from "./year-data-postgres.ts";

/** One data source with a (scaled) year of 3-second records, 2 values each, loaded by the bulk path. */
export interface YearDataset {
  readonly dataDir: string;
  /** Set when the year lives in PostgreSQL (--database postgres): the data directory's database. */
  readonly databaseUrl?: string | undefined;
  readonly sourceId: string;
  /** Epoch ms of the first and last record. */
  readonly from: number;
  readonly to: number;
  readonly records: number;
  readonly values: number;
  readonly loadSeconds: number;
  /**
   * SQLite: (page_count − freelist_count) × page_size after a TRUNCATE checkpoint. PostgreSQL:
   * pg_total_relation_size of the record and value partitions after VACUUM ANALYZE.
   */
  readonly usedBytes: number;
  readonly fileBytes: number;
  /** Bytes by table/index from SQLite's dbstat, where the build has it. */
  readonly bytesByTable: Record<string, number>;
}

export const STEP_MS = 3000;
const YEAR_RECORDS = (365 * 86_400_000) / STEP_MS; // 10,512,000
/** Records per multi-row INSERT statement (and values: twice that). */
const ROWS_PER_STATEMENT = 100;
const RECORDS_PER_TRANSACTION = 200_000;

/** Loads the year once per run; the query and sustained scenarios share it. */
export async function yearDataset(ctx: RunContext): Promise<YearDataset> {
  const cached = ctx.shared.get("year") as YearDataset | undefined;
  if (cached) return cached;
  const dataset = ctx.options.database === "postgres" ? await loadYearIntoPostgres(ctx) : await loadYear(ctx);
  ctx.shared.set("year", dataset);
  return dataset;
}

/** Records of the (scaled) year: a whole number of INSERT statements' worth. */
export function yearRecords(ctx: RunContext): number {
  const records = Math.max(ROWS_PER_STATEMENT, Math.round(YEAR_RECORDS * ctx.options.yearScale));
  return Math.floor(records / ROWS_PER_STATEMENT) * ROWS_PER_STATEMENT;
}

/** The first and last record's timestamps: the last one step before the clock's last 3-second step. */
export function yearSpan(records: number): { from: number; to: number } {
  const to = Math.floor(Date.now() / STEP_MS) * STEP_MS - STEP_MS;
  return { from: to - (records - 1) * STEP_MS, to };
}

/** One record of the year: its timestamp, the power (kW) and energy register (kWh) values, the receipt delay. */
export interface YearPoint {
  readonly ts: number;
  readonly power: number;
  readonly energy: number;
  readonly delay: number;
}

/**
 * The year's records one by one, from index 0 up (call in order): a daily power curve with seeded
 * noise and the energy register integrating it, the same numbers for every database.
 */
export function yearSeries(from: number): (index: number) => YearPoint {
  let energy = 18_000;
  let seed = 42;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  return (index) => {
    const ts = from + index * STEP_MS;
    const hour = (ts / 3_600_000) % 24;
    const power =
      Math.round((0.25 + 1.5 * Math.max(0, Math.sin(((hour - 6) * Math.PI) / 12)) + 0.4 * random()) * 1000) /
      1000;
    energy += (power * STEP_MS) / 3_600_000;
    const delay = 120 + Math.floor(random() * 200);
    return { ts, power, energy: Math.round(energy * 1000) / 1000, delay };
  };
}

async function loadYear(ctx: RunContext): Promise<YearDataset> {
  const hub = await hubModules();
  const records = yearRecords(ctx);
  const dataDir = ctx.temp("year");
  const [source] = await provisionSources(dataDir, 1);
  if (!source) throw new Error("no data source");
  ctx.log(
    `  loading ${records.toLocaleString("en-US")} records (${(records * 2).toLocaleString("en-US")} values)…`,
  );
  const db = hub.openDatabase(databaseFile(dataDir));
  const t0 = performance.now();
  // Bulk load only: the hub is stopped and a crash just means loading again.
  db.pragma("synchronous = OFF");
  db.pragma("cache_size = -262144");
  const key = (db.prepare("SELECT key FROM data_source WHERE id = ?").get(source.id) as { key: number }).key;
  const energyKey = hub.obisByCode("1-0:1.8.0")?.key;
  const powerKey = hub.obisByCode("1-0:1.7.0")?.key;
  if (energyKey === undefined || powerKey === undefined) throw new Error("OBIS codes missing");
  const quality = hub.asProvidedQuality;
  // The first schema kept the receipt time; later ones keep its distance from ts.
  const columns = (db.prepare("PRAGMA table_info(aiida_record)").all() as { name: string }[]).map(
    (c) => c.name,
  );
  const receivedIsDelta = columns.includes("received_delta");
  const receivedColumn = receivedIsDelta ? "received_delta" : "received_at";
  const insertRecords = db.prepare(
    `INSERT INTO aiida_record (data_source_key, ts, ${receivedColumn}, ts_source) VALUES ${Array(
      ROWS_PER_STATEMENT,
    )
      .fill("(?, ?, ?, 1)")
      .join(", ")}`,
  );
  const insertValues = db.prepare(
    `INSERT INTO aiida_record_value (data_source_key, ts, obis_key, value, quality) VALUES ${Array(
      ROWS_PER_STATEMENT * 2,
    )
      .fill("(?, ?, ?, ?, ?)")
      .join(", ")}`,
  );
  const { from } = yearSpan(records);
  const next = yearSeries(from);
  const recordParams: number[] = new Array(ROWS_PER_STATEMENT * 3);
  const valueParams: (number | bigint)[] = new Array(ROWS_PER_STATEMENT * 10);
  const batch = db.transaction((first: number, count: number) => {
    for (let s = 0; s < count; s += ROWS_PER_STATEMENT) {
      for (let j = 0; j < ROWS_PER_STATEMENT; j++) {
        const { ts, power, energy, delay } = next(first + s + j);
        recordParams[j * 3] = key;
        recordParams[j * 3 + 1] = ts;
        recordParams[j * 3 + 2] = receivedIsDelta ? delay : ts + delay;
        const v = j * 10;
        valueParams[v] = key;
        valueParams[v + 1] = ts;
        valueParams[v + 2] = energyKey;
        valueParams[v + 3] = energy;
        valueParams[v + 4] = quality;
        valueParams[v + 5] = key;
        valueParams[v + 6] = ts;
        valueParams[v + 7] = powerKey;
        valueParams[v + 8] = power;
        valueParams[v + 9] = quality;
      }
      insertRecords.run(recordParams);
      insertValues.run(valueParams);
    }
  });
  const whole = Math.floor(records / ROWS_PER_STATEMENT) * ROWS_PER_STATEMENT;
  for (let first = 0; first < whole; first += RECORDS_PER_TRANSACTION) {
    batch(first, Math.min(RECORDS_PER_TRANSACTION, whole - first));
  }
  db.prepare(
    `UPDATE data_source SET messages_accepted = ?, values_accepted = ?, last_message_at = ? WHERE key = ?`,
  ).run(whole, whole * 2, from + (whole - 1) * STEP_MS, key);
  db.pragma("wal_checkpoint(TRUNCATE)");
  const loadSeconds = (performance.now() - t0) / 1000;
  const pageCount = db.pragma("page_count", { simple: true }) as number;
  const freelist = db.pragma("freelist_count", { simple: true }) as number;
  const pageSize = db.pragma("page_size", { simple: true }) as number;
  const bytesByTable: Record<string, number> = {};
  try {
    for (const row of db.prepare("SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name").all() as {
      name: string;
      bytes: number;
    }[]) {
      if (row.bytes > 1024 * 1024) bytesByTable[row.name] = row.bytes;
    }
  } catch {
    // dbstat is not compiled into every SQLite build
  }
  db.close();
  const fileBytes = statSync(databaseFile(dataDir)).size;
  ctx.log(
    `  loaded in ${loadSeconds.toFixed(1)} s (${Math.round(whole / loadSeconds).toLocaleString("en-US")} records/s)`,
  );
  return {
    dataDir,
    sourceId: source.id,
    from,
    to: from + (whole - 1) * STEP_MS,
    records: whole,
    values: whole * 2,
    loadSeconds,
    usedBytes: (pageCount - freelist) * pageSize,
    fileBytes,
    bytesByTable,
  };
}
