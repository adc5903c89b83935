import { DateTime, IANAZone } from "luxon";

const HOUR_MS = 3_600_000;

const DAY_MS = 86_400_000;

const TWO_DIGITS = Array.from({ length: 60 }, (_, n) => String(n).padStart(2, "0"));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, n) => String(n).padStart(3, "0"));

/**
 * "YYYY-MM-DDTHH:mm:ss" (plus ".sss" when not a whole second) of the UTC fields of instants. The date
 * part is made once per day: exports format millions of sorted instants, most of them on the same day.
 */
class IsoFields {
  private day = Number.NaN;
  private datePart = "";

  of(ms: number): string {
    const day = Math.floor(ms / DAY_MS);
    if (day !== this.day) {
      const iso = new Date(day * DAY_MS).toISOString();
      this.datePart = iso.slice(0, iso.indexOf("T") + 1); // years beyond 9999 widen it: cut at the T
      this.day = day;
    }
    const inDay = ms - day * DAY_MS;
    const seconds = Math.floor(inDay / 1000);
    const milliseconds = inDay - seconds * 1000;
    const time = `${TWO_DIGITS[Math.floor(seconds / 3600)]}:${TWO_DIGITS[Math.floor(seconds / 60) % 60]}:${TWO_DIGITS[seconds % 60]}`;
    return milliseconds === 0
      ? this.datePart + time
      : `${this.datePart}${time}.${THREE_DIGITS[Math.floor(milliseconds)]}`;
  }
}

const utcFields = new IsoFields();

/**
 * ISO-8601 text of an instant in UTC, to the second, with milliseconds only when it has some:
 * "2026-03-29T01:00:00Z", "2026-03-29T01:00:00.250Z".
 */
export function utcText(ms: number): string {
  return `${utcFields.of(ms)}Z`;
}

/** "+02:00", "-05:00", "+05:30"; seconds only for the odd historic offset that has them ("+01:05:21"). */
function offsetText(offsetMs: number): string {
  const sign = offsetMs < 0 ? "-" : "+";
  const total = Math.round(Math.abs(offsetMs) / 1000);
  const two = (n: number) => String(n).padStart(2, "0");
  const seconds = total % 60;
  const text = `${sign}${two(Math.floor(total / 3600))}:${two(Math.floor(total / 60) % 60)}`;
  return seconds === 0 ? text : `${text}:${two(seconds)}`;
}

/**
 * Times of one IANA zone as people there read them, with the UTC offset that makes them unambiguous
 * across daylight-saving changes. Offsets are looked up once per hour of time formatted (checked at both
 * ends of the hour), so formatting millions of sorted instants costs little more than `toISOString`.
 */
export class LocalTimes {
  private readonly tz: IANAZone;
  private readonly fields = new IsoFields();
  private readonly offsetTexts = new Map<number, string>();
  private cachedHour = Number.NaN;
  private cachedOffsetMs = 0;

  /** Throws a RangeError for a name that is not an IANA zone. */
  constructor(readonly zone: string) {
    this.tz = IANAZone.create(zone);
    if (!this.tz.isValid) throw new RangeError(`${zone} is not an IANA time zone`);
  }

  /** The zone's offset from UTC at `ms`, in milliseconds (+7_200_000 for CEST). */
  offsetMs(ms: number): number {
    const hour = Math.floor(ms / HOUR_MS);
    if (hour === this.cachedHour) return this.cachedOffsetMs;
    const start = this.exactOffsetMs(hour * HOUR_MS);
    // An hour in which the offset changes is not cached: each instant in it gets its own.
    if (start !== this.exactOffsetMs(hour * HOUR_MS + HOUR_MS - 1)) return this.exactOffsetMs(ms);
    this.cachedHour = hour;
    this.cachedOffsetMs = start;
    return start;
  }

  /** ISO-8601 local time with its offset: "2026-03-29T03:00:00+02:00" (".sss" only when not a whole second). */
  withOffset(ms: number): string {
    const offset = this.offsetMs(ms);
    let text = this.offsetTexts.get(offset);
    if (text === undefined) {
      text = offsetText(offset);
      this.offsetTexts.set(offset, text);
    }
    return this.fields.of(ms + offset) + text;
  }

  /** The local calendar date: "2026-03-29". */
  date(ms: number): string {
    const fields = this.fields.of(ms + this.offsetMs(ms));
    return fields.slice(0, fields.indexOf("T"));
  }

  /** The local date and minute, without characters file names cannot hold: "2026-03-29T0815". */
  minuteStamp(ms: number): string {
    const fields = this.fields.of(ms + this.offsetMs(ms));
    const t = fields.indexOf("T");
    return `${fields.slice(0, t)}T${fields.slice(t + 1, t + 3)}${fields.slice(t + 4, t + 6)}`;
  }

  /**
   * The instant a local calendar day ("2026-03-29") begins, or with `laterDays` the day so many days
   * later; undefined for a date that does not exist ("2026-02-30").
   */
  startOfDay(date: string, laterDays = 0): number | undefined {
    const day = DateTime.fromISO(date, { zone: this.tz });
    // A zone whose clocks skip midnight starts that day at the first time that exists.
    return day.isValid ? day.plus({ days: laterDays }).startOf("day").toMillis() : undefined;
  }

  /** Whether `ms` is the first instant of a local calendar day. */
  isStartOfDay(ms: number): boolean {
    return this.startOfDay(this.date(ms)) === ms;
  }

  private exactOffsetMs(ms: number): number {
    return Math.round(this.tz.offset(ms) * 60_000);
  }
}
