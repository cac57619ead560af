// Headless Chromium for the browser tests: Debian's `chromium` package driven by puppeteer-core
// (which downloads no browser), with WebGPU on. Chromium offers navigator.gpu only to secure
// contexts, which pages served from 127.0.0.1 are. Without a GPU its adapter is SwiftShader, a CPU
// implementation of Vulkan: subgroups (size 4) and timestamp-query, no shader-f16.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Flags: WebGPU on; no network of its own, no first-run work, no sandbox (CI runs as root). */
const FLAGS = [
  '--enable-unsafe-webgpu',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Starts Chromium with a fresh profile; `close` ends it and removes the profile. */
export async function launchChromium(): Promise<{ browser: Browser; close: () => Promise<void> }> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...FLAGS, `--user-data-dir=${profile}`],
    // A page call may compile many kernels on a CPU adapter: minutes, not puppeteer's default 3.
    protocolTimeout: 10 * 60_000,
  });
  return {
    browser,
    close: async () => {
      await browser.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}
