import { type Schedule, shortestIntervalSeconds } from "../../platform/schedule.ts";

/** How long EDDIE's broker may be away before the outbox starts dropping its oldest data messages. */
export const OUTBOX_HOLDS_SECONDS = 7 * 86_400;

/**
 * The most data messages one permission's outbox holds: 7 days of messages at the schedule's fastest
 * rate (its shortest interval) and one message per schema per firing, but never more than `upperBound`
 * (--sharing-outbox-max-messages). A schedule that never fires still holds one firing's worth.
 */
export function outboxCap(schedule: Schedule, schemaCount: number, upperBound: number): number {
  const interval = shortestIntervalSeconds(schedule) ?? OUTBOX_HOLDS_SECONDS;
  const firings = Math.max(1, Math.ceil(OUTBOX_HOLDS_SECONDS / interval));
  return Math.max(1, Math.min(upperBound, firings * Math.max(1, schemaCount)));
}
