import { t, tParts } from "../i18n/i18n.ts";
import { copyText } from "../lib/clipboard.ts";
import { confirmAction } from "../lib/confirm.ts";
import { openDialog } from "../lib/dialog.ts";
import { h, replace } from "../lib/dom.ts";
import { CA_FILE_NAME, caCertificateUrl, caDownloadLink } from "../lib/hub-tls.ts";
import {
  brokerParts,
  cliSnippet,
  isLoopbackHost,
  mosquittoSnippet,
  pythonSnippet,
  type SnippetTrust,
} from "../lib/snippets.ts";
import { tabs } from "../lib/tabs.ts";
import { toast } from "../lib/toast.ts";
import type { Credentials } from "../lib/types.ts";

const MASK = "••••••••••••••••••••••••";

/** A Copy button that copies the (real) text given when clicked. */
function copyButton(what: string, text: () => string): HTMLButtonElement {
  const button = h(
    "button",
    { type: "button", class: "small", "aria-label": t("credentials.copyLabel", { what }) },
    t("credentials.copy"),
  );
  button.addEventListener("click", async () => {
    const ok = await copyText(text());
    toast(
      ok ? t("credentials.copied", { what }) : t("credentials.copyFailed", { what }),
      ok ? "info" : "error",
    );
  });
  return button;
}

function row(label: string, value: string, key: string): HTMLElement[] {
  return [
    h("dt", {}, label),
    h(
      "dd",
      {},
      h("code", { class: "credential", "data-credential": key }, value),
      copyButton(label, () => value),
    ),
  ];
}

/**
 * Shows a data source's connection details after it was created or re-keyed: the password once,
 * masked with Show and Copy, and ready-to-paste publisher snippets filled in with the same values.
 */
export function showCredentials(name: string, c: Credentials, why: "created" | "regenerated"): Promise<void> {
  return new Promise((resolve) => {
    let shown = false;
    const password = h("input", {
      type: "password",
      readonly: true,
      value: c.password,
      class: "password",
      "data-credential": "password",
      "aria-label": t("credentials.password"),
      spellcheck: "false",
    });
    const toggle = h(
      "button",
      { type: "button", class: "small", "aria-pressed": "false" },
      t("credentials.show"),
    );
    const snippetCode = [h("code", {}), h("code", {}), h("code", {})] as const;
    // Until the hub says whether devices need its CA certificate, snippets trust the system's CAs.
    let trust: SnippetTrust = {};
    const builders = [
      (password: string) => mosquittoSnippet(c, password, trust),
      (_password: string) => pythonSnippet(c, trust),
      (password: string) => cliSnippet(c, password, trust),
    ] as const;
    const renderSnippets = () => {
      // Snippets follow the mask, so the password is on screen only after an explicit Show.
      builders.forEach((build, i) => {
        const code = snippetCode[i];
        if (code) replace(code, build(shown ? c.password : MASK));
      });
    };
    const caNotice = h("div", { class: "ca-notice" });
    if (brokerParts(c.brokerUrl).tls) {
      void caCertificateUrl().then((url) => {
        if (url === undefined) return;
        trust = { caFile: CA_FILE_NAME };
        renderSnippets();
        replace(
          caNotice,
          h(
            "p",
            { class: "notice" },
            tParts<HTMLElement>("credentials.caNotice", {
              download: caDownloadLink(url),
              file: CA_FILE_NAME,
            }),
          ),
        );
      });
    }
    toggle.addEventListener("click", () => {
      shown = !shown;
      password.type = shown ? "text" : "password";
      toggle.textContent = shown ? t("credentials.hide") : t("credentials.show");
      toggle.setAttribute("aria-pressed", String(shown));
      renderSnippets();
    });
    renderSnippets();

    const snippet = (id: string, title: string, intro: string, i: 0 | 1 | 2) => ({
      id,
      label: title,
      panel: h(
        "div",
        { class: "snippet", "data-snippet": id },
        h("p", { class: "hint" }, intro),
        h("pre", {}, snippetCode[i]),
        copyButton(t("credentials.snippetLabel", { title }), () => builders[i](c.password)),
      ),
    });
    const done = h("button", { type: "button", class: "primary" }, t("credentials.done"));
    const dialog = openDialog(
      why === "created" ? t("credentials.readyTitle", { name }) : t("credentials.newPasswordTitle", { name }),
      [
        h(
          "p",
          { class: "warning", role: "note" },
          h("strong", {}, t("credentials.saveNow")),
          t("credentials.shownOnce"),
          why === "regenerated" ? t("credentials.oldPasswordGone") : "",
        ),
        h(
          "dl",
          { class: "credentials" },
          row(t("credentials.brokerUrl"), c.brokerUrl, "brokerUrl"),
          row(t("credentials.topic"), c.topic, "topic"),
          row(t("credentials.username"), c.username, "username"),
          h("dt", {}, t("credentials.password")),
          h(
            "dd",
            {},
            password,
            toggle,
            copyButton(t("credentials.password"), () => c.password),
          ),
        ),
        loopbackHint(c.brokerUrl),
        caNotice,
        h("h3", {}, t("credentials.sendData")),
        h(
          "p",
          { class: "hint", "data-testid": "where-to-run" },
          t("credentials.whereToRun", { where: whereToRun(c.brokerUrl) }),
        ),
        tabs(t("credentials.snippets"), [
          snippet("mosquitto", "mosquitto_pub", t("credentials.snippet.mosquitto"), 0),
          snippet("python", "Python", t("credentials.snippet.python"), 1),
          snippet("cli", t("credentials.snippet.cliTitle"), t("credentials.snippet.cli"), 2),
        ]),
        h("div", { class: "actions" }, done),
      ],
      () => resolve(),
      {
        wide: true,
        // Escape or × would lose the password for good: ask first. "Done" closes without asking.
        confirmClose: () =>
          confirmAction(
            t("credentials.close.title"),
            t("credentials.close.message"),
            t("credentials.close.action"),
          ),
      },
    );
    dialog.element.classList.add("credentials-dialog");
    done.addEventListener("click", () => dialog.close());
  });
}

/** Where the snippets work, as their broker host allows: loopback only on the hub's computer. */
function whereToRun(brokerUrl: string): string {
  const { host } = brokerParts(brokerUrl);
  return isLoopbackHost(host)
    ? t("credentials.onThisComputer")
    : t("credentials.onComputerReaching", { host });
}

/** A broker on a loopback address is reachable only from the hub's own computer; say how to change that. */
function loopbackHint(brokerUrl: string): HTMLElement | undefined {
  const { host } = brokerParts(brokerUrl);
  if (!isLoopbackHost(host)) return undefined;
  return h(
    "p",
    { class: "notice" },
    tParts<HTMLElement>("credentials.loopback", {
      host,
      hostOption: h("code", {}, "--host 0.0.0.0"),
      urlOption: h("code", {}, "--public-mqtt-url"),
    }),
  );
}
