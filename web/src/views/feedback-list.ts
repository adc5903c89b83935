import { t } from "../i18n/i18n.ts";
import { h, replace } from "../lib/dom.ts";
import { formatTime, formatValue } from "../lib/format.ts";
import type { FeedbackReport } from "../lib/types.ts";

/** Most reports kept on screen, like the API's own history. */
const MAX_REPORTS = 50;

/** The hub's feedback reports, newest first: what became of messages in sentences, JSON paths for experts. */
export class FeedbackList {
  readonly element: HTMLElement;
  private readonly list = h("ol", { class: "feedback-list" });
  private readonly empty = h("p", { class: "muted" }, t("feedback.empty"));

  constructor() {
    this.element = h(
      "section",
      { class: "card feedback", "aria-labelledby": "feedback-title" },
      h("h2", { id: "feedback-title" }, t("feedback.title")),
      this.empty,
      this.list,
    );
    this.list.hidden = true;
  }

  /** Shows reports as the API returns them (newest first). */
  set(reports: readonly FeedbackReport[]): void {
    replace(this.list, reports.slice(0, MAX_REPORTS).map(item));
    this.update();
  }

  /** Adds a report that just arrived on the live stream. */
  add(report: FeedbackReport): void {
    this.list.prepend(item(report));
    while (this.list.children.length > MAX_REPORTS) this.list.lastElementChild?.remove();
    this.update();
  }

  private update(): void {
    const any = this.list.children.length > 0;
    this.list.hidden = !any;
    this.empty.hidden = any;
  }
}

function item(report: FeedbackReport): HTMLElement {
  const kept = report.kept.values;
  const warnings = report.warnings ?? [];
  const findings = [...report.problems, ...warnings];
  // Reports stored before the hub wrote sentences have none: their paths and reasons are all they can show.
  const readable = findings.every((f) => f.message !== undefined);
  const expertParts = [
    findings.length > 0 &&
      h(
        "ul",
        { class: "problems" },
        findings.map((p) =>
          h("li", {}, h("code", { class: "json-path" }, p.path), " ", h("span", {}, p.reason)),
        ),
      ),
    report.ignoredFields.length > 0 &&
      h(
        "p",
        { class: "hint" },
        t("feedback.ignoredFields"),
        report.ignoredFields.flatMap((f, i) => [i > 0 ? ", " : "", h("code", {}, f)]),
      ),
    ...report.notes.map((n) => h("p", { class: "hint" }, n)),
  ];
  return h(
    "li",
    { class: `feedback-item status-${report.status}` },
    h(
      "div",
      { class: "feedback-head" },
      h("span", { class: `badge feedback-${report.status}` }, t(`feedback.status.${report.status}`)),
      h("time", { datetime: report.receivedAt }, formatTime(report.receivedAt)),
    ),
    report.summary && h("p", { class: "feedback-summary" }, report.summary),
    readable &&
      findings.length > 0 &&
      h(
        "ul",
        { class: "feedback-messages" },
        report.problems.map((p) => h("li", { class: "problem-message" }, p.message)),
        warnings.map((w) =>
          h(
            "li",
            { class: w.plausibility ? "warning-message plausibility" : "warning-message" },
            w.plausibility && h("span", { class: "badge feedback-implausible" }, t("feedback.implausible")),
            w.plausibility && " ",
            w.message,
          ),
        ),
      ),
    kept.length > 0 &&
      h(
        "p",
        { class: "hint kept" },
        t("feedback.kept"),
        // Each by the hub's name for it (the role's plain name where there is one), its OBIS code beside.
        kept.flatMap((v, i) => [
          i > 0 ? ", " : "",
          v.text ?? `${v.obis} = ${formatValue(v.value)}`,
          v.text === undefined ? "" : h("span", {}, " (", h("code", {}, v.obis), ")"),
        ]),
      ),
    readable
      ? h("details", { class: "feedback-details" }, h("summary", {}, t("feedback.details")), expertParts)
      : expertParts,
  );
}
