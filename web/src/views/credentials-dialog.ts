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
  const button = h("button", { type: "button", class: "small", "aria-label": `Copy ${what}` }, "Copy");
  button.addEventListener("click", async () => {
    const ok = await copyText(text());
    toast(
      ok ? `${what} copied.` : `Could not copy: select the ${what.toLowerCase()} and copy it by hand.`,
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
      "aria-label": "Password",
      spellcheck: "false",
    });
    const toggle = h("button", { type: "button", class: "small", "aria-pressed": "false" }, "Show");
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
            "The broker's certificate comes from this hub's own certificate authority. ",
            caDownloadLink(url),
            ` (${CA_FILE_NAME}) and put it beside the device's program: the snippets below read it from there.`,
          ),
        );
      });
    }
    toggle.addEventListener("click", () => {
      shown = !shown;
      password.type = shown ? "text" : "password";
      toggle.textContent = shown ? "Hide" : "Show";
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
        copyButton(`${title} snippet`, () => builders[i](c.password)),
      ),
    });
    const done = h("button", { type: "button", class: "primary" }, "Done — I have saved the password");
    const dialog = openDialog(
      why === "created" ? `${name} is ready to connect` : `New password for ${name}`,
      [
        h(
          "p",
          { class: "warning", role: "note" },
          h("strong", {}, "Save the password now. "),
          "It is shown only this once and cannot be shown again. If it gets lost, generate a new one.",
          why === "regenerated"
            ? " The old password no longer works; devices using it were disconnected."
            : "",
        ),
        h(
          "dl",
          { class: "credentials" },
          row("Broker URL", c.brokerUrl, "brokerUrl"),
          row("Topic", c.topic, "topic"),
          row("Username", c.username, "username"),
          h("dt", {}, "Password"),
          h(
            "dd",
            {},
            password,
            toggle,
            copyButton("Password", () => c.password),
          ),
        ),
        loopbackHint(c.brokerUrl),
        caNotice,
        h("h3", {}, "Send data"),
        h(
          "p",
          { class: "hint", "data-testid": "where-to-run" },
          `Copy one of these into a terminal ${whereToRun(c.brokerUrl)} to send a test reading.`,
        ),
        tabs("Publisher snippets", [
          snippet(
            "mosquitto",
            "mosquitto_pub",
            "One message from the command line (Debian: apt install mosquitto-clients).",
            0,
          ),
          snippet("python", "Python", "A small publisher that sends a reading every 10 seconds.", 1),
          snippet(
            "cli",
            "aiida-hub simulator",
            "The hub's own publisher with a simulated household meter.",
            2,
          ),
        ]),
        h("div", { class: "actions" }, done),
      ],
      () => resolve(),
      {
        wide: true,
        // Escape or × would lose the password for good: ask first. "Done" closes without asking.
        confirmClose: () =>
          confirmAction(
            "The password is shown only once. Close anyway?",
            "After closing, it cannot be shown again. If you have not saved it, a new one has to be generated.",
            "Close anyway",
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
  return isLoopbackHost(host) ? "on this computer (the hub's)" : `on a computer that reaches ${host}`;
}

/** A broker on a loopback address is reachable only from the hub's own computer; say how to change that. */
function loopbackHint(brokerUrl: string): HTMLElement | undefined {
  const { host } = brokerParts(brokerUrl);
  if (!isLoopbackHost(host)) return undefined;
  return h(
    "p",
    { class: "notice" },
    `${host} works only on the hub's own computer. For devices elsewhere in your network, start the hub with `,
    h("code", {}, "--host 0.0.0.0"),
    " and use its network address, or set ",
    h("code", {}, "--public-mqtt-url"),
    ".",
  );
}
