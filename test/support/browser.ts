/** Headless Chromium for the browser tests: the system's (Debian's) Chromium, driven by playwright-core. */
export const CHROMIUM = {
  executablePath: process.env.BM_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
};
