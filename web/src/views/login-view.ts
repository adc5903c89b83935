import { ApiError, messageOf } from "../lib/api.ts";
import { h, replace } from "../lib/dom.ts";
import type { Cleanup } from "../lib/router.ts";
import { login } from "../lib/session.ts";

/** The login page; `onSuccess` gets the username once the session cookie is set. */
export function loginView(onSuccess: (username: string) => void) {
  return (main: HTMLElement): Cleanup | undefined => {
    document.title = "Log in · aiida-hub";
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
    const submit = h("button", { type: "submit", class: "primary" }, "Log in");

    const form = h(
      "form",
      { class: "card login-card", "aria-labelledby": "login-title" },
      h("h1", { id: "login-title" }, "aiida-hub"),
      h("p", { class: "muted" }, "Your home's energy data hub. Log in with the admin account."),
      expired && h("p", { class: "notice" }, "Your session has ended. Please log in again."),
      h("div", { class: "field" }, h("label", { for: "login-username" }, "Username"), username),
      h("div", { class: "field" }, h("label", { for: "login-password" }, "Password"), password),
      error,
      submit,
      h(
        "p",
        { class: "hint" },
        "Forgot the password? On the hub's computer, run ",
        h("code", {}, "aiida-hub reset-admin-password"),
        " (in the hub's folder: ",
        h("code", {}, "node bin/aiida-hub.js reset-admin-password"),
        "); it prints a new one.",
      ),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      replace(error);
      if (password.value === "") {
        replace(error, "Enter the password.");
        password.focus();
        return;
      }
      submit.disabled = true;
      try {
        await login(username.value.trim(), password.value);
        onSuccess(username.value.trim());
      } catch (err) {
        const wrong = err instanceof ApiError && err.status === 401;
        replace(error, wrong ? "Wrong username or password. Please try again." : messageOf(err));
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
