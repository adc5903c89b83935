/** What a view returns: a function that stops its timers, streams and charts when the page changes. */
export type Cleanup = () => void;

/** Renders one page into `main`; `params` holds the path's named parts. */
export type View = (main: HTMLElement, params: Record<string, string>) => Cleanup | undefined;

interface Route {
  readonly pattern: RegExp;
  readonly keys: readonly string[];
  readonly view: View;
}

const routes: Route[] = [];
let unknown: View | undefined;
let current: Cleanup | undefined;
let render: (view: View, params: Record<string, string>) => Cleanup | undefined = () => undefined;

/** Adds a route such as `/sources/:id/history`. */
export function route(path: string, view: View): void {
  const keys: string[] = [];
  const source = path.replace(/:([a-z]+)/g, (_, key: string) => {
    keys.push(key);
    return "([^/]+)";
  });
  routes.push({ pattern: new RegExp(`^${source}/?$`), keys, view });
}

/** Sets the view for a path no route matches ("Page not found"); without one, such paths go to "/". */
export function unknownRoute(view: View): void {
  unknown = view;
}

/** Starts routing: renders the current path and follows links and the back button without reloads. */
export function startRouter(renderer: typeof render): void {
  render = renderer;
  window.addEventListener("popstate", show);
  document.addEventListener("click", (event) => {
    const link = (event.target as Element | null)?.closest?.("a");
    if (!link || event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const href = link.getAttribute("href");
    if (!href?.startsWith("/") || link.hasAttribute("download") || link.target) return;
    event.preventDefault();
    navigate(href);
  });
  show();
}

/** Goes to a path inside the app. */
export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, "", path);
  else if (path !== location.pathname + location.search) history.pushState(null, "", path);
  show();
}

function show(): void {
  current?.();
  current = undefined;
  const path = location.pathname;
  for (const r of routes) {
    const match = r.pattern.exec(path);
    if (!match) continue;
    const params: Record<string, string> = {};
    r.keys.forEach((key, i) => {
      params[key] = decodeURIComponent(match[i + 1] ?? "");
    });
    current = render(r.view, params);
    return;
  }
  if (unknown) current = render(unknown, {});
  else navigate("/", { replace: true });
}
