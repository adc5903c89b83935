/** Attributes for `h`: strings/numbers become attributes, booleans toggle them, functions become listeners. */
export type Attrs = Record<string, string | number | boolean | null | undefined | ((event: Event) => void)>;

/** A child of `h`: nodes as they are, strings as text, nothing for null/false. */
export type Child = Node | string | number | null | undefined | false;

/**
 * Builds an element. Text always goes in as text nodes (never as HTML), so data from the API can
 * not inject markup.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Array<Child | Child[]>
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === "function") el.addEventListener(name.replace(/^on/, ""), value);
    else if (value === true) el.setAttribute(name, "");
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

/** Appends children (nested arrays flattened) to an element. */
export function append(el: Element, children: Array<Child | Child[]>): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces all children of an element. */
export function replace(el: Element, ...children: Array<Child | Child[]>): void {
  el.replaceChildren();
  append(el, children);
}

/** An SVG-free icon: a short text glyph hidden from screen readers. */
export function glyph(text: string): HTMLSpanElement {
  return h("span", { class: "glyph", "aria-hidden": "true" }, text);
}

/** A unique id for label/field wiring. */
let nextId = 0;
export function uid(prefix: string): string {
  nextId += 1;
  return `${prefix}-${nextId}`;
}
