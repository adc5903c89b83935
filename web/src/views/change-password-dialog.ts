import { t } from "../i18n/i18n.ts";
import { ApiError, api, messageOf } from "../lib/api.ts";
import { openDialog } from "../lib/dialog.ts";
import { h, replace } from "../lib/dom.ts";
import { toast } from "../lib/toast.ts";
import { type Field, field } from "./form-fields.ts";

/** The hub's rule for a new admin password (src/services/admin-auth.ts), checked here first to answer at once. */
const MIN_LENGTH = 12;

function passwordInput(autocomplete: "current-password" | "new-password"): HTMLInputElement {
  return h("input", { type: "password", autocomplete, required: true, spellcheck: "false" });
}

/**
 * Opens the "change password" dialog: the current password, the new one twice. On success the hub has
 * logged out every other session of the admin; this one stays, and a toast says so.
 */
export function openChangePassword(): void {
  const current = field("currentPassword", t("password.current"), passwordInput("current-password"));
  const next = field(
    "newPassword",
    t("password.new"),
    passwordInput("new-password"),
    t("password.newHint", { n: MIN_LENGTH }),
  );
  const repeat = field("repeatPassword", t("password.repeat"), passwordInput("new-password"));
  const fields = [current, next, repeat];
  const general = h("p", { class: "form-error", role: "alert" });
  const save = h("button", { type: "submit", class: "primary" }, t("password.submit"));
  const cancel = h("button", { type: "button" }, t("common.cancel"));
  const form = h(
    "form",
    { class: "password-form", novalidate: true },
    current.wrapper,
    next.wrapper,
    repeat.wrapper,
    general,
    h("div", { class: "actions" }, cancel, save),
  );
  const dialog = openDialog(t("password.title"), [form], () => {});
  cancel.addEventListener("click", () => dialog.close());

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    for (const f of fields) f.setError(undefined);
    replace(general);
    const problems = problemsOf(current.control.value, next.control.value, repeat.control.value);
    if (problems.length > 0) {
      show(problems, { currentPassword: current, newPassword: next, repeatPassword: repeat });
      return;
    }
    save.disabled = true;
    try {
      await api("PUT", "/auth/password", {
        currentPassword: current.control.value,
        newPassword: next.control.value,
      });
      dialog.close();
      toast(t("password.changed"));
    } catch (err) {
      const details = err instanceof ApiError ? err.details : [];
      const known = details.filter((d) => d.path === "currentPassword" || d.path === "newPassword");
      if (err instanceof ApiError && err.status === 403 && known.length > 0) {
        show([{ path: "currentPassword", reason: t("password.notCurrent") }], {
          currentPassword: current,
        });
        (current.control as HTMLInputElement).select();
      } else if (known.length > 0) {
        show(known, { currentPassword: current, newPassword: next });
      } else {
        // A refusal that names no field (too many tries, the hub unreachable): said once, below the fields.
        replace(general, messageOf(err));
      }
    } finally {
      save.disabled = false;
    }
  });
  current.control.focus();
}

/** What is wrong before anything is sent, in the order of the fields. */
function problemsOf(current: string, next: string, repeat: string): Array<{ path: string; reason: string }> {
  const problems: Array<{ path: string; reason: string }> = [];
  if (current === "") problems.push({ path: "currentPassword", reason: t("password.currentMissing") });
  if (next.length < MIN_LENGTH)
    problems.push({
      path: "newPassword",
      reason: t("password.tooShort", { min: MIN_LENGTH, n: next.length }),
    });
  else if (next === current) problems.push({ path: "newPassword", reason: t("password.same") });
  if (repeat !== next) problems.push({ path: "repeatPassword", reason: t("password.mismatch") });
  return problems;
}

/** Puts each problem under its field and moves focus to the first field with one. */
function show(
  problems: ReadonlyArray<{ path: string; reason: string }>,
  byPath: Record<string, Field>,
): void {
  const reasons = new Map<Field, string[]>();
  for (const problem of problems) {
    const target = byPath[problem.path];
    if (target) reasons.set(target, [...(reasons.get(target) ?? []), problem.reason]);
  }
  for (const [target, lines] of reasons) target.setError(lines);
  reasons.keys().next().value?.control.focus();
}
