import type { TestContext } from "node:test";
import { type Browser, type BrowserContextOptions, chromium, type Page } from "playwright-core";
import { TEST_ADMIN_PASSWORD } from "../helpers/hub-harness.ts";

/** Debian's chromium; the lead installs it with apt. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/** Flags for a quiet, reproducible headless chromium (playwright adds a fresh --user-data-dir). */
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

/** A page in a fresh browser, with every console error and uncaught exception recorded. */
export interface TestBrowser {
  readonly browser: Browser;
  readonly page: Page;
  /** Errors seen so far that no `allowConsoleError` pattern covers. */
  readonly errors: string[];
  /** Accepts console errors matching a pattern (e.g. the network log of an expected 401). */
  allowConsoleError(pattern: RegExp): void;
  /** Fails if the page logged any unexpected console error or threw. */
  assertNoConsoleErrors(): void;
}

/** Launches chromium for one test; it is closed when the test ends. */
export async function openBrowser(t: TestContext, options: BrowserContextOptions = {}): Promise<TestBrowser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_FLAGS,
    headless: true,
  });
  t.after(() => browser.close());
  const context = await browser.newContext({
    locale: "en-US",
    timezoneId: "UTC",
    acceptDownloads: true,
    ...options,
  });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const allowed: RegExp[] = [];
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    const text = `${message.text()} (${message.location().url})`;
    if (!allowed.some((p) => p.test(text))) errors.push(text);
  });
  page.on("pageerror", (err) => errors.push(`uncaught: ${err.stack ?? err.message}`));
  return {
    browser,
    page,
    errors,
    allowConsoleError: (pattern) => allowed.push(pattern),
    assertNoConsoleErrors() {
      if (errors.length > 0) throw new Error(`the page logged errors:\n${errors.join("\n")}`);
    },
  };
}

/** Logs in through the login form and waits for the data source list. */
export async function logIn(page: Page, baseUrl: string, password = TEST_ADMIN_PASSWORD): Promise<void> {
  await page.goto(`${baseUrl}/sources`);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("heading", { name: "Data sources", level: 1 }).waitFor();
}
