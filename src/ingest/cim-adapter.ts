import { type ParsedQuantity, type ParsedTimeSeries, parseTimeSeries } from "../cim/parse-time-series.ts";
import type { AiidaRecord, AiidaRecordValue } from "../domain/aiida-record.ts";
import type { DataSource } from "../domain/data-source.ts";
import type { FeedbackReport, FeedbackWarning, IngestOutcome } from "../storage/ports.ts";
import type { AdapterContext } from "./adapter-registry.ts";
import { capped, rejectedOutcome } from "./feedback-report.ts";
import { feedbackSummary } from "./feedback-summary.ts";
import { keptValue } from "./kept-value.ts";
import { plausibilityWarnings } from "./plausibility-check.ts";

const RECEIPT_TIME_NOTE = "no dateAndOrTime.dateTime in the message: the receipt time was used";
/**
 * Age beyond which a stored device timestamp gets a warning: a publisher flushing the queue of a
 * weekend outage stays quiet, a clock set to a wrong year does not.
 */
export const PAST_WARNING_MS = 7 * 86_400_000;

/** Turns one CIM TimeSeries message into a record to store and, where anything was off, a feedback report. */
export function ingestCimMessage(source: DataSource, payload: Buffer, ctx: AdapterContext): IngestOutcome {
  const parsed = parseTimeSeries(payload, {
    now: ctx.receivedAt,
    maxFutureMs: ctx.maxFutureMs,
    maxPastMs: ctx.maxPastMs,
    pastWarningMs: PAST_WARNING_MS,
    role: source.role,
  });
  if (!parsed.ok) {
    return rejectedOutcome(
      source.id,
      ctx.receivedAt,
      parsed.problems,
      parsed.ignoredFields,
      parsed.problems.length,
    );
  }
  const series = parsed.series;
  const fromDevice = series.timestamp !== undefined;
  const record: AiidaRecord = {
    dataSourceId: source.id,
    timestamp: series.timestamp ?? ctx.receiptStamps.stamp(source.id, ctx.receivedAt),
    timestampSource: fromDevice ? "device" : "receipt",
    receivedAt: ctx.receivedAt,
    values: series.quantities.map(recordValue),
  };
  const implausible = plausibilityWarnings(source, series);
  // Most messages are clean: the report, its notes and its copies of the values are built only when needed.
  const clean =
    fromDevice &&
    series.problems.length === 0 &&
    series.ignoredFields.length === 0 &&
    series.warnings.length === 0 &&
    implausible.length === 0;
  const feedback = clean ? undefined : acceptedReport(source, series, implausible, record, ctx);
  return { dataSourceId: source.id, record, feedback, valuesRejected: series.problems.length };
}

function recordValue(q: ParsedQuantity): AiidaRecordValue {
  return { obis: q.type.obis, rawTag: q.type.name, value: q.value, quality: q.quality };
}

/** The report on a stored message that had problems, ignored fields, warnings or no device time. */
function acceptedReport(
  source: DataSource,
  series: ParsedTimeSeries,
  implausible: readonly FeedbackWarning[],
  record: AiidaRecord,
  ctx: AdapterContext,
): FeedbackReport {
  const receiptTime = record.timestampSource !== "device";
  const notes = receiptTime ? [RECEIPT_TIME_NOTE] : [];
  const warnings = [...series.warnings, ...implausible];
  for (const warning of warnings) notes.push(`${warning.path}: ${warning.reason}`);
  const status = series.problems.length > 0 ? "partial" : "accepted-with-warnings";
  return {
    dataSourceId: source.id,
    receivedAt: new Date(ctx.receivedAt).toISOString(),
    status,
    summary: feedbackSummary({
      status,
      problems: series.problems,
      warnings: warnings.length,
      ignoredFields: series.ignoredFields.length,
      valuesStored: record.values.length,
      receiptTime,
    }),
    problems: capped(series.problems, "problems", notes),
    warnings,
    ignoredFields: capped(series.ignoredFields, "ignored fields", notes),
    notes,
    kept: {
      timestamp: new Date(record.timestamp).toISOString(),
      timestampSource: record.timestampSource,
      values: series.quantities.map((q) => keptValue(q, source.role)),
    },
  };
}
