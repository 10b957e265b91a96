/** Chromium's command-line flags for the browser tests (see chromium.js). */
export declare const CHROMIUM_ARGS: readonly string[];
