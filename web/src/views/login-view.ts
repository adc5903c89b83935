import { t, tParts } from "../i18n/i18n.ts";
import { ApiError, messageOf } from "../lib/api.ts";
import { h, replace } from "../lib/dom.ts";
import type { Cleanup } from "../lib/router.ts";
import { login } from "../lib/session.ts";

/** The login page; `onSuccess` gets the username once the session cookie is set. */
export function loginView(onSuccess: (username: string) => void) {
  return (main: HTMLElement): Cleanup | undefined => {
    document.title = t("login.documentTitle");
    const expired = new URLSearchParams(location.search).has("expired");
    const username = h("input", {
      id: "login-username",
      name: "username",
      autocomplete: "username",
      value: "admin",
      required: true,
    });
    const password = h("input", {
      id: "login-password",
      name: "password",
      type: "password",
      autocomplete: "current-password",
      required: true,
      "aria-describedby": "login-error",
    });
    const error = h("p", { id: "login-error", class: "form-error", role: "alert" });
    const submit = h("button", { type: "submit", class: "primary" }, t("login.submit"));

    const form = h(
      "form",
      { class: "card login-card", "aria-labelledby": "login-title" },
      h("h1", { id: "login-title" }, "aiida-hub"),
      h("p", { class: "muted" }, t("login.intro")),
      expired && h("p", { class: "notice" }, t("login.expired")),
      h("div", { class: "field" }, h("label", { for: "login-username" }, t("login.username")), username),
      h("div", { class: "field" }, h("label", { for: "login-password" }, t("login.password")), password),
      error,
      submit,
      h(
        "p",
        { class: "hint" },
        tParts<HTMLElement>("login.forgotHint", {
          command: h("code", {}, "aiida-hub reset-admin-password"),
          npmCommand: h("code", {}, "node bin/aiida-hub.js reset-admin-password"),
        }),
      ),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      replace(error);
      if (password.value === "") {
        replace(error, t("login.passwordMissing"));
        password.focus();
        return;
      }
      submit.disabled = true;
      try {
        await login(username.value.trim(), password.value);
        onSuccess(username.value.trim());
      } catch (err) {
        const wrong = err instanceof ApiError && err.status === 401;
        replace(error, wrong ? t("login.wrong") : messageOf(err));
        password.select();
        password.focus();
      } finally {
        submit.disabled = false;
      }
    });
    replace(main, h("div", { class: "login-page" }, form));
    (expired || username.value ? password : username).focus();
    return undefined;
  };
}
