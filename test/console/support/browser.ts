// Debian's Chromium, driven headless by playwright-core. A missing browser is a failure with the command that
// installs it, never a silent skip.
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

export const CHROMIUM = process.env.SKIPPER_CHROMIUM ?? "/usr/bin/chromium";

export interface LaunchedBrowser {
  browser: Browser;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<LaunchedBrowser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: the web console's browser tests need it. ` +
        "Install it with `sudo apt-get install -y chromium` (Debian), or point SKIPPER_CHROMIUM at a Chromium binary.",
    );
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
      "--disable-dev-shm-usage",
    ],
  });
  return {
    browser,
    // playwright-core gives every launch a fresh, temporary profile and removes it on close.
    close: () => browser.close(),
  };
}
