import { t } from "../i18n/i18n.ts";
import { api } from "./api.ts";
import { h } from "./dom.ts";

/** The name the CA certificate is saved as; the snippets refer to it by this name. */
export const CA_FILE_NAME = "aiida-hub-ca.pem";

interface ApplicationInformation {
  readonly aiidaId: string;
  readonly tls?: { readonly enabled: boolean; readonly caCertificateUrl: string | null };
}

let asked: Promise<string | undefined> | undefined;

/**
 * Where the hub's private CA certificate is downloaded, or undefined when devices need none (TLS off,
 * or an own certificate from a CA they already trust). Asked once per page load, after login.
 */
export function caCertificateUrl(): Promise<string | undefined> {
  asked ??= api<ApplicationInformation>("GET", "/application-information").then(
    (info) => info.tls?.caCertificateUrl ?? undefined,
    () => {
      // Ask again next time: the failure (an ended session, a restart) need not last.
      asked = undefined;
      return undefined;
    },
  );
  return asked;
}

/** A link that saves the CA certificate as aiida-hub-ca.pem. */
export function caDownloadLink(url: string, label = t("tls.downloadCa")): HTMLAnchorElement {
  return h("a", { href: url, download: CA_FILE_NAME, class: "ca-download", "data-ca-download": "" }, label);
}
