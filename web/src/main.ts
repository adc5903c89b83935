import "uplot/dist/uPlot.min.css";
import "./styles/base.css";
import "./styles/components.css";
import "./styles/dialogs.css";
import "./styles/pages.css";
import "./styles/source.css";
import "./styles/history.css";
import "./styles/permissions.css";
// Last, so its narrow-screen rules win over the ones above.
import "./styles/phone.css";
import { whenUnauthenticated } from "./lib/api.ts";
import { h, replace } from "./lib/dom.ts";
import { onContactChange } from "./lib/hub-contact.ts";
import { caCertificateUrl, caDownloadLink } from "./lib/hub-tls.ts";
import { type Cleanup, navigate, route, startRouter, unknownRoute, type View } from "./lib/router.ts";
import { currentUser, forgetSession, logout } from "./lib/session.ts";
import { loginView } from "./views/login-view.ts";
import { notFoundView } from "./views/not-found-view.ts";
import { permissionPage } from "./views/permission-page.ts";
import { permissionsView } from "./views/permissions-view.ts";
import { sourcePage } from "./views/source-page.ts";
import { sourcesView } from "./views/sources-view.ts";

let user: string | undefined;

const userName = h("span", { class: "user" });
const logoutButton = h("button", { type: "button", class: "link-button" }, "Log out");
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
    { "aria-label": "Main" },
    h("a", { href: "/" }, "Data sources"),
    h("a", { href: "/permissions" }, "Permissions"),
  ),
  h("div", { class: "session" }, caLink, userName, logoutButton),
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
    h("strong", {}, "Lost contact with the hub"),
    ` since ${lostSince.toLocaleTimeString()}. What this page shows is from before then and may be out of date; it reconnects by itself.`,
  );
});

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

const login: View = loginView((name) => {
  user = name;
  const next = new URLSearchParams(location.search).get("next");
  // Only paths inside the app: a crafted link must not send the user elsewhere after login.
  navigate(next?.startsWith("/") && !next.startsWith("//") ? next : "/", { replace: true });
});

route("/login", login);
route("/", sourcesView);
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
      if (url !== undefined) replace(caLink, caDownloadLink(url, "CA certificate"));
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
  startRouter(render);
}
