import { defineConfig } from "@playwright/test";
import { chromiumArgs, chromiumPath } from "./tests/e2e/chromium";

// The app under test: the release client in dist/, served by the real server
// binary (built by `cargo build -p advocase-server`) on its own port with a
// throwaway database.
const PORT = Number(process.env.ADVOCASE_E2E_PORT || 18080);
export const BASE_URL = `http://127.0.0.1:${PORT}`;
const dbDir = `target/e2e-data-${process.pid}`;


export default defineConfig({
  testDir: "tests/e2e",
  outputDir: "target/e2e-artifacts",
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 60_000,
  reporter: [["list"]],
  use: {
    baseURL: BASE_URL,
    browserName: "chromium",
    headless: true,
    launchOptions: { executablePath: chromiumPath, args: chromiumArgs },
    serviceWorkers: "allow",
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  webServer: {
    // A fresh database with one administrator (password: tests/e2e/fixtures.ts).
    command:
      `rm -rf ${dbDir} && ADVOCASE_LOG=warn ADVOCASE_ADMIN_PASSWORD=admin-password-for-tests ` +
      `target/debug/advocase-server create-admin --username admin --database ${dbDir}/advocase.db && ` +
      `ADVOCASE_LOG=warn target/debug/advocase-server serve --addr 127.0.0.1:${PORT} --database ${dbDir}/advocase.db --static-dir dist`,
    url: `${BASE_URL}/api/health`,
    reuseExistingServer: false,
    timeout: 30_000,
    stdout: "ignore",
    stderr: "pipe",
  },
});
