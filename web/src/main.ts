import "uplot/dist/uPlot.min.css";
import "./styles/base.css";
import "./styles/components.css";
import "./styles/dialogs.css";
import "./styles/pages.css";
import "./styles/source.css";
import "./styles/history.css";
import "./styles/permissions.css";
import "./styles/overview.css";
// Last, so its narrow-screen rules win over the ones above.
import "./styles/phone.css";
import { currentLanguage, t } from "./i18n/i18n.ts";
import { whenUnauthenticated } from "./lib/api.ts";
import { catalogue } from "./lib/catalogue.ts";
import { h, replace } from "./lib/dom.ts";
import { formatClock, setDisplayTimeZone } from "./lib/format.ts";
import { onContactChange } from "./lib/hub-contact.ts";
import { caCertificateUrl, caDownloadLink } from "./lib/hub-tls.ts";
import { type Cleanup, navigate, route, startRouter, unknownRoute, type View } from "./lib/router.ts";
import { currentUser, forgetSession, logout } from "./lib/session.ts";
import { openChangePassword } from "./views/change-password-dialog.ts";
import { languageSwitch } from "./views/language-switch.ts";
import { loginView } from "./views/login-view.ts";
import { notFoundView } from "./views/not-found-view.ts";
import { overviewView } from "./views/overview-view.ts";
import { permissionPage } from "./views/permission-page.ts";
import { permissionsView } from "./views/permissions-view.ts";
import { sourcePage } from "./views/source-page.ts";
import { sourcesView } from "./views/sources-view.ts";

let user: string | undefined;
document.documentElement.lang = currentLanguage();
// index.html's skip link is written before any script runs: give it the page's language.
const skipLink = document.querySelector(".skip-link");
if (skipLink) skipLink.textContent = t("app.skipLink");

const userName = h("span", { class: "user" });
const passwordButton = h("button", { type: "button", class: "link-button" }, t("header.changePassword"));
const logoutButton = h("button", { type: "button", class: "link-button" }, t("header.logOut"));
// Shown once the hub says it has a CA of its own for devices and browsers to trust.
const caLink = h("span", { class: "ca-link" });
const header = h(
  "header",
  { class: "app-header" },
  h(
    "a",
    { href: "/", class: "brand" },
    h("img", { src: "/favicon.svg", alt: "", width: 24, height: 24 }),
    "aiida-hub",
  ),
  h(
    "nav",
    { "aria-label": t("header.mainNavigation") },
    h("a", { href: "/" }, t("header.overview")),
    h("a", { href: "/sources" }, t("header.dataSources")),
    h("a", { href: "/permissions" }, t("header.permissions")),
  ),
  h("div", { class: "session" }, languageSwitch(), caLink, userName, passwordButton, logoutButton),
);
const main = h("main", { id: "main", tabindex: -1 });
// Said plainly and at the top while the page cannot reach the hub; what the page shows is then marked stale.
const contactBanner = h("div", { class: "hub-lost", role: "alert", hidden: true });

onContactChange((lostSince) => {
  contactBanner.hidden = lostSince === undefined;
  main.classList.toggle("stale", lostSince !== undefined);
  if (lostSince === undefined) {
    replace(contactBanner);
    return;
  }
  replace(
    contactBanner,
    h("strong", {}, t("contact.lost")),
    t("contact.lostSince", { time: formatClock(lostSince) }),
  );
});

passwordButton.addEventListener("click", () => openChangePassword());

logoutButton.addEventListener("click", async () => {
  await logout();
  user = undefined;
  navigate("/login");
});

whenUnauthenticated(() => {
  forgetSession();
  user = undefined;
  if (location.pathname !== "/login")
    navigate(`/login?expired&next=${encodeURIComponent(location.pathname)}`);
});

const login: View = loginView(async (name) => {
  user = name;
  await catalogue()
    .then((c) => setDisplayTimeZone(c.timeZone))
    .catch(() => undefined);
  const next = new URLSearchParams(location.search).get("next");
  // Only paths inside the app: a crafted link must not send the user elsewhere after login.
  navigate(next?.startsWith("/") && !next.startsWith("//") ? next : "/", { replace: true });
});

route("/login", login);
route("/", overviewView);
route("/sources", sourcesView);
route("/sources/:id", sourcePage("live"));
route("/sources/:id/history", sourcePage("history"));
route("/permissions", permissionsView);
route("/permissions/:id", permissionPage);
unknownRoute(notFoundView);

function render(view: View, params: Record<string, string>): Cleanup | undefined {
  // "Page not found" shows nothing from the hub: logged in or not, it needs no login first.
  if (view !== login && view !== notFoundView && user === undefined) {
    navigate(`/login?next=${encodeURIComponent(location.pathname)}`, { replace: true });
    return undefined;
  }
  if (view === login && user !== undefined) {
    navigate("/", { replace: true });
    return undefined;
  }
  // The header's links and logout need a session.
  header.hidden = view === login || user === undefined;
  replace(userName, user ?? "");
  if (user !== undefined && caLink.childElementCount === 0) {
    void caCertificateUrl().then((url) => {
      if (url !== undefined) replace(caLink, caDownloadLink(url, t("header.caCertificate")));
    });
  }
  main.replaceChildren();
  const cleanup = view(main, params);
  // Move focus to the new page's heading so keyboard and screen-reader users start there.
  if (document.activeElement === document.body || document.activeElement === null) {
    const heading = main.querySelector("h1");
    if (heading) {
      heading.tabIndex = -1;
      heading.focus({ preventScroll: true });
    }
  }
  return cleanup;
}

const app = document.getElementById("app");
if (app) {
  replace(app, header, contactBanner, main);
  user = await currentUser();
  // Times show in the hub's zone, whose calendar days the energy figures follow; before login the browser's.
  if (user !== undefined)
    await catalogue()
      .then((c) => setDisplayTimeZone(c.timeZone))
      .catch(() => undefined);
  startRouter(render);
}
