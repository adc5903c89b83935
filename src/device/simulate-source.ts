import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { HouseholdSimulator } from "./household-simulator.ts";
import type { MeterReading, ReadingSource } from "./meter-reading.ts";
import { pollReadings } from "./polling.ts";

/** What the simulate source needs. */
export interface SimulateSourceSettings {
  readonly seed: number;
  readonly pvPeakKw: number;
  readonly intervalMs: number;
  /** Keeps the energy counters across restarts so they never go backwards; undefined = start fresh. */
  readonly counterFile: string | undefined;
}

const FRESH_COUNTERS = { importKwh: 4200, exportKwh: 1800 };

function loadCounters(file: string | undefined): { importKwh: number; exportKwh: number } {
  if (file === undefined) return FRESH_COUNTERS;
  try {
    const saved = JSON.parse(readFileSync(file, "utf8")) as { importKwh?: unknown; exportKwh?: unknown };
    if (typeof saved.importKwh === "number" && typeof saved.exportKwh === "number") {
      return { importKwh: saved.importKwh, exportKwh: saved.exportKwh };
    }
  } catch {
    // No saved counters yet (first run) or an unreadable file: start from the fresh values.
  }
  return FRESH_COUNTERS;
}

function saveCounters(file: string, counters: { importKwh: number; exportKwh: number }): void {
  // Write then rename, so a kill mid-write leaves the previous counters intact.
  writeFileSync(`${file}.tmp`, JSON.stringify(counters));
  renameSync(`${file}.tmp`, file);
}

/** A simulated household meter for demos and tests, read on the same schedule as a real one. */
export function createSimulateSource(settings: SimulateSourceSettings): ReadingSource {
  const simulator = new HouseholdSimulator({
    seed: settings.seed,
    pvPeakKw: settings.pvPeakKw,
    utcOffsetHours: -new Date().getTimezoneOffset() / 60,
    ...loadCounters(settings.counterFile),
  });

  async function read(): Promise<MeterReading> {
    const timestamp = Date.now();
    const quantities = simulator.readAt(timestamp);
    if (settings.counterFile !== undefined) saveCounters(settings.counterFile, simulator.counters);
    return { timestamp, quantities };
  }

  return {
    description: `simulated household (seed ${settings.seed}, PV peak ${settings.pvPeakKw} kW) every ${settings.intervalMs / 1000} s`,
    events: (signal) => pollReadings(settings.intervalMs, read, signal),
    close: async () => {},
  };
}
