import { t } from "../i18n/i18n.ts";
import { h, replace } from "../lib/dom.ts";
import type { Cleanup } from "../lib/router.ts";

/**
 * "Page not found", with a link to the start page: for a path the router does not know and for a
 * data source or permission that does not exist. Shows nothing from the hub, so it needs no session.
 */
export function notFoundView(main: HTMLElement): Cleanup | undefined {
  document.title = t("notFound.documentTitle");
  const heading = h("h1", { id: "not-found-title", tabindex: -1 }, t("notFound.title"));
  replace(
    main,
    h(
      "section",
      { class: "card not-found", "aria-labelledby": "not-found-title" },
      heading,
      h("p", {}, t("notFound.text")),
      h("p", {}, h("a", { href: "/" }, t("notFound.home"))),
    ),
  );
  // Shown in place of a page that was loading, whose focused heading is gone: start reading here.
  if (document.activeElement === document.body) heading.focus({ preventScroll: true });
  return undefined;
}
