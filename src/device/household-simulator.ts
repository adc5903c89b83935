import type { TimeSeriesQuantity } from "../cim/format-time-series.ts";
import { roundMeasurement } from "./meter-reading.ts";

/** Settings of the simulated household. */
export interface HouseholdSettings {
  /** Seed of the random generator: the same seed and timestamps give the same readings. */
  readonly seed: number;
  /** PV system peak output in kW; 0 for a household without PV. */
  readonly pvPeakKw: number;
  /** Offset of the household's local time from UTC in hours (PV and habits follow local time). */
  readonly utcOffsetHours: number;
  /** Energy counters at start, kWh (import = consumed from the grid, export = fed in). */
  readonly importKwh: number;
  readonly exportKwh: number;
}

/** An appliance run: which load, how much, until when. */
interface ApplianceRun {
  readonly kw: number;
  readonly until: number;
}

const APPLIANCES: ReadonlyArray<{ readonly kw: number; readonly minutes: number }> = [
  { kw: 2.0, minutes: 3 }, // kettle
  { kw: 1.1, minutes: 5 }, // microwave
  { kw: 2.4, minutes: 40 }, // oven
  { kw: 2.1, minutes: 25 }, // washing machine heating
  { kw: 1.9, minutes: 30 }, // dishwasher
  { kw: 0.15, minutes: 120 }, // TV and computer
];

/** Mulberry32: a small, fast, seedable generator; quality is ample for demo noise. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Appliance starts per hour by local hour of day: quiet nights, morning and evening peaks. */
function startsPerHour(hour: number): number {
  if (hour < 6) return 0.05;
  if (hour < 9) return 1.2;
  if (hour < 17) return 0.5;
  if (hour < 22) return 1.5;
  return 0.3;
}

/**
 * A household behind a smart meter: base load with a cycling fridge, random appliance runs that follow
 * the time of day, a PV bell curve between 06:00 and 20:00 dimmed by drifting clouds, and import/export
 * energy counters that integrate the net power and never go backwards.
 */
export class HouseholdSimulator {
  readonly #random: () => number;
  readonly #settings: HouseholdSettings;
  #runs: ApplianceRun[] = [];
  #cloudiness = 0.3;
  #lastTimestamp: number | undefined;
  #lastNetKw = 0;
  #importKwh: number;
  #exportKwh: number;

  constructor(settings: HouseholdSettings) {
    this.#settings = settings;
    this.#random = seededRandom(settings.seed);
    this.#importKwh = settings.importKwh;
    this.#exportKwh = settings.exportKwh;
  }

  /** The energy counters now, kWh. */
  get counters(): { readonly importKwh: number; readonly exportKwh: number } {
    return { importKwh: this.#importKwh, exportKwh: this.#exportKwh };
  }

  #localHour(timestamp: number): number {
    const hours = timestamp / 3_600_000 + this.#settings.utcOffsetHours;
    return ((hours % 24) + 24) % 24;
  }

  #pvKw(hour: number): number {
    if (hour <= 6 || hour >= 20 || this.#settings.pvPeakKw <= 0) return 0;
    const sun = Math.sin((Math.PI * (hour - 6)) / 14) ** 1.5;
    return this.#settings.pvPeakKw * sun * (1 - 0.7 * this.#cloudiness);
  }

  #loadKw(timestamp: number): number {
    this.#runs = this.#runs.filter((run) => run.until > timestamp);
    const fridgeOn = Math.floor(timestamp / 60_000) % 40 < 15;
    const base = 0.18 + 0.04 * Math.sin(timestamp / 3_600_000) + (fridgeOn ? 0.1 : 0);
    return base + this.#runs.reduce((sum, run) => sum + run.kw, 0) + 0.02 * (this.#random() - 0.5);
  }

  /** Advances the household to `timestamp` (epoch ms, not before the last one) and reads the meter. */
  readAt(timestamp: number): TimeSeriesQuantity[] {
    const last = this.#lastTimestamp ?? timestamp;
    if (timestamp < last) throw new RangeError("the simulated meter cannot be read backwards in time");
    const elapsedHours = (timestamp - last) / 3_600_000;
    // Energy flowed at the previous net power since the previous reading.
    if (this.#lastNetKw > 0) this.#importKwh += this.#lastNetKw * elapsedHours;
    else this.#exportKwh += -this.#lastNetKw * elapsedHours;

    const hour = this.#localHour(timestamp);
    if (this.#random() < startsPerHour(hour) * elapsedHours) {
      const appliance = APPLIANCES[Math.floor(this.#random() * APPLIANCES.length)];
      if (appliance !== undefined)
        this.#runs.push({ kw: appliance.kw, until: timestamp + appliance.minutes * 60_000 });
    }
    const drift = (this.#random() - 0.5) * 0.2 * Math.min(1, elapsedHours * 12);
    this.#cloudiness = Math.min(1, Math.max(0, this.#cloudiness + drift));

    const netKw = this.#loadKw(timestamp) - this.#pvKw(hour);
    this.#lastTimestamp = timestamp;
    this.#lastNetKw = netKw;
    return this.#meterValues(netKw);
  }

  #meterValues(netKw: number): TimeSeriesQuantity[] {
    const voltage = (phase: number) => 230 + 2 * Math.sin(phase + this.#random()) - 1.5 * Math.min(0, netKw);
    const volts = [voltage(0), voltage(2.1), voltage(4.2)];
    const phaseKw = [0.5, 0.3, 0.2].map((share) => Math.abs(netKw) * share);
    const amps = volts.map((v, i) => ((phaseKw[i] ?? 0) * 1000) / v);
    const round = (value: number, digits: number) => roundMeasurement(Number(value.toFixed(digits)));
    return [
      { type: 0, quantity: round(this.#importKwh, 3) },
      { type: 1, quantity: round(this.#exportKwh, 3) },
      { type: 2, quantity: round(Math.max(0, netKw), 3) },
      { type: 3, quantity: round(Math.max(0, -netKw), 3) },
      ...volts.map((v, i) => ({ type: 4 + i, quantity: round(v, 1) })),
      ...amps.map((a, i) => ({ type: 7 + i, quantity: round(a, 2) })),
      { type: 10, quantity: round(0.95 + 0.04 * this.#random(), 3) },
      { type: 35, quantity: round(50 + 0.04 * (this.#random() - 0.5), 2) },
    ];
  }
}
