import ts from "typescript";

/** A text in code that looks like words for people, where it is. */
export interface TextLiteral {
  readonly line: number;
  readonly text: string;
}

/** Texts that are the same in every language: the product's name, the start of an example AIIDA code. */
const NAMES = new Set(["aiida-hub", "eyJlZGRpZUlkIjoi…"]);
/** Attributes whose values people read or hear. */
const SPOKEN_ATTRIBUTES = new Set([
  "aria-label",
  "label",
  "title",
  "placeholder",
  "alt",
  "data-tip",
  "data-label",
]);
/** Properties that put text on the page when assigned. */
const SPOKEN_PROPERTIES = new Set(["textContent", "innerText", "title", "placeholder", "ariaLabel"]);
/** Attributes and calls whose strings are for the machine: CSS classes, selectors, element names. */
const MACHINE_ATTRIBUTES = new Set(["class", "className", "rel"]);
const MACHINE_CALLS = new Set([
  "querySelector",
  "querySelectorAll",
  "closest",
  "matches",
  "getPropertyValue",
  "createElement",
  "addEventListener",
  "getAttribute",
  "toggle",
  "add",
  "remove",
]);
/** Elements whose text is a command or code, the same in every language (`--host 0.0.0.0`). */
const CODE_ELEMENTS = new Set(["code", "pre", "kbd", "samp"]);
/** Calls with arguments shown to people (titles, labels, toasts), by position; the others are code. */
const SPOKEN_ARGUMENTS: Readonly<Record<string, readonly number[]>> = {
  toast: [0],
  confirmAction: [0, 1, 2],
  openDialog: [0],
  actionButton: [0],
  tabs: [0],
  field: [1, 3],
};

const hasLetter = (text: string) => /\p{L}/u.test(text);
/** A sentence-like text: a letter and a space ("No data yet", "Retrying “{step}”"). */
const looksLikeWords = (text: string) => hasLetter(text) && /\s/.test(text.trim());
const isUrl = (text: string) => /^(\/|https?:|mailto:|#)/.test(text.trim());

/** The text of a string or template literal, with the template's values left out. */
function literalText(node: ts.Node): string | undefined {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node))
    return [node.head.text, ...node.templateSpans.map((span) => span.literal.text)].join("");
  return undefined;
}

function calleeName(call: ts.CallExpression): string {
  const callee = call.expression;
  if (ts.isIdentifier(callee)) return callee.text;
  if (ts.isPropertyAccessExpression(callee)) return callee.name.text;
  return "";
}

function propertyName(name: ts.PropertyName): string {
  return ts.isIdentifier(name) || ts.isStringLiteral(name) ? name.text : "";
}

const COMPARISONS = new Set([
  ts.SyntaxKind.EqualsEqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsEqualsToken,
  ts.SyntaxKind.EqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsToken,
]);

/** The JSDoc tag of a function whose literals are commands a device runs, the same in every language. */
const COMMAND_TEXT_TAG = "commandText";

/** Whether a literal is inside a function documented with `@commandText` (a snippet's shell or Python). */
function inCommandText(node: ts.Node): boolean {
  for (let at: ts.Node | undefined = node.parent; at; at = at.parent) {
    if (ts.getJSDocTags(at).some((tag) => tag.tagName.text === COMMAND_TEXT_TAG)) return true;
  }
  return false;
}

/**
 * How a literal is used, from its place in the code: "machine" (a CSS class, a selector, a module),
 * "spoken" (a text child of `h()`, a spoken attribute, a toast), or "other".
 */
function usage(node: ts.Node): "machine" | "spoken" | "other" {
  if (inCommandText(node)) return "machine";
  // Look through `a ? "x" : "y"`, `a && "x"`, `a ?? "x"` and parentheses to where the value goes.
  let child: ts.Node = node;
  let parent = node.parent;
  while (
    parent &&
    (ts.isConditionalExpression(parent) ||
      ts.isParenthesizedExpression(parent) ||
      (ts.isBinaryExpression(parent) && parent.operatorToken.kind !== ts.SyntaxKind.EqualsToken))
  ) {
    // A value compared (`why === "created"`) or tested (`"x" ? …`) is code, not shown.
    if (ts.isBinaryExpression(parent) && COMPARISONS.has(parent.operatorToken.kind)) return "machine";
    if (ts.isConditionalExpression(parent) && parent.condition === child) return "machine";
    child = parent;
    parent = parent.parent;
  }
  if (!parent) return "other";
  if (ts.isImportDeclaration(parent) || ts.isExportDeclaration(parent)) return "machine";
  if (ts.isPropertyAssignment(parent) && parent.initializer === child) {
    const name = propertyName(parent.name);
    if (MACHINE_ATTRIBUTES.has(name)) return "machine";
    if (SPOKEN_ATTRIBUTES.has(name)) return "spoken";
    return "other";
  }
  if (ts.isBinaryExpression(parent) && parent.right === child && ts.isPropertyAccessExpression(parent.left))
    return SPOKEN_PROPERTIES.has(parent.left.name.text) ? "spoken" : "other";
  if (ts.isCallExpression(parent)) {
    const name = calleeName(parent);
    const index = parent.arguments.indexOf(child as ts.Expression);
    if (MACHINE_CALLS.has(name)) return "machine";
    // setAttribute(name, value): the value is spoken when the attribute is.
    if (name === "setAttribute") {
      const attribute = parent.arguments[0];
      const spoken = index === 1 && attribute && ts.isStringLiteral(attribute);
      return spoken && SPOKEN_ATTRIBUTES.has(attribute.text) ? "spoken" : "machine";
    }
    // h(tag, attributes, ...children): the children are text on the page, unless the tag is code.
    if (name === "h") {
      const tag = parent.arguments[0];
      const code = tag !== undefined && ts.isStringLiteral(tag) && CODE_ELEMENTS.has(tag.text);
      return index >= 2 && !code ? "spoken" : "machine";
    }
    const spoken = SPOKEN_ARGUMENTS[name];
    if (spoken) return spoken.includes(index) ? "spoken" : "machine";
  }
  return "other";
}

/**
 * Texts for people written in code rather than in the message files: any literal with a letter where
 * the page shows or speaks it, and any sentence-like literal (a letter and a space) elsewhere, except
 * CSS classes, selectors, module names and URLs. A heuristic: it reads the code, not the running page.
 */
export function textLiterals(source: string, fileName = "view.ts"): TextLiteral[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: TextLiteral[] = [];
  const visit = (node: ts.Node): void => {
    const text = literalText(node);
    if (text !== undefined) {
      const use = usage(node);
      const words =
        use === "spoken" ? hasLetter(text) : use === "other" && looksLikeWords(text) && !isUrl(text);
      if (words && !NAMES.has(text.trim())) {
        const { line } = file.getLineAndCharacterOfPosition(node.getStart(file));
        found.push({ line: line + 1, text });
      }
      // A template's own values are code and are visited below; its text parts were judged here.
      if (!ts.isTemplateExpression(node)) return;
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}
