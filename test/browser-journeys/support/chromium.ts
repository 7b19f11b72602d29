/** The Chromium launcher lives in test/support/chromium.ts; this path stays so that imports of it keep working. */
export * from '../../support/chromium.js';
