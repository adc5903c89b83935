import { loadavg } from "node:os";
import Database from "better-sqlite3";
import { metric, type RunContext, type ScenarioResult } from "./context.ts";
import { benchPool } from "./postgres.ts";
import { type Summary, summarize } from "./stats.ts";

/** Collects one scenario's figures repetition by repetition and turns them into a ScenarioResult. */
export class ScenarioRecorder {
  private readonly values = new Map<string, { label: string; unit: string; samples: number[] }>();
  readonly details: Record<string, unknown> = {};
  readonly notes: string[] = [];
  readonly errors: string[] = [];
  private readonly started = Date.now();
  private readonly loadBefore = loadavg()[0] ?? 0;

  constructor(
    readonly ctx: RunContext,
    readonly name: string,
    readonly title: string,
    readonly settings: Record<string, unknown>,
  ) {}

  /** Adds one repetition's value of a figure (created on first use, shown in that order). */
  add(id: string, label: string, unit: string, value: number): void {
    let entry = this.values.get(id);
    if (!entry) {
      entry = { label, unit, samples: [] };
      this.values.set(id, entry);
    }
    entry.samples.push(value);
  }

  /** The summary of one figure so far (for progress lines). */
  peek(id: string): Summary | undefined {
    const v = this.values.get(id);
    return v ? summarize(v.samples) : undefined;
  }

  error(message: string): void {
    this.ctx.log(`  ERROR ${message}`);
    if (this.errors.length < 50) this.errors.push(message);
  }

  /** Keeps a per-repetition detail object under `key` (an array grows with each call). */
  detail(key: string, value: unknown): void {
    const list = this.details[key];
    if (Array.isArray(list)) list.push(value);
    else this.details[key] = [value];
  }

  finish(): ScenarioResult {
    const metrics: ScenarioResult["metrics"] = {};
    for (const [id, v] of this.values) metrics[id] = metric(v.label, v.unit, summarize(v.samples));
    this.details.loadAverage1m = { before: this.loadBefore, after: loadavg()[0] ?? 0 };
    return {
      name: this.name,
      title: this.title,
      settings: this.settings,
      metrics,
      details: this.details,
      notes: this.notes,
      errors: this.errors,
      seconds: (Date.now() - this.started) / 1000,
    };
  }
}

/** Counts the hub's stored records through a connection of the bench's own. */
export interface RecordCounter {
  count(): Promise<number>;
  close(): Promise<void>;
}

/** A record counter on the hub's database: its SQLite file, or its PostgreSQL database. */
export async function openRecordCounter(hub: {
  dbFile: string;
  databaseUrl?: string | undefined;
}): Promise<RecordCounter> {
  return hub.databaseUrl === undefined
    ? sqliteRecordCounter(hub.dbFile)
    : postgresRecordCounter(hub.databaseUrl);
}

/** Read-only connection to the file (WAL: sees every commit). */
function sqliteRecordCounter(dbFile: string): RecordCounter {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  const stmt = db.prepare("SELECT count(*) AS n FROM aiida_record");
  return {
    count: async () => (stmt.get() as { n: number }).n,
    close: async () => {
      db.close();
    },
  };
}

async function postgresRecordCounter(url: string): Promise<RecordCounter> {
  const pool = await benchPool(url);
  return {
    count: async () =>
      (await pool.query<{ n: number }>("SELECT count(*) AS n FROM aiida_record")).rows[0]?.n ?? 0,
    close: () => pool.end(),
  };
}

/** Repetition count: 1 in quick mode, else the --reps option (at least 3 by default). */
export function repetitions(ctx: RunContext): number {
  return ctx.options.quick ? 1 : ctx.options.reps;
}

export const fmt = {
  int: (n: number) => Math.round(n).toLocaleString("en-US"),
  ms: (n: number) => n.toFixed(n < 10 ? 2 : 1),
};
