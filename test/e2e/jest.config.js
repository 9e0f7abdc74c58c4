/** The browser suite (npm run test:e2e): real Chromium through playwright-core, against the gateway on the emulator. */
const base = require('../../jest.config.js');
module.exports = { ...base, rootDir: '../..', roots: ['<rootDir>/test/e2e'], testMatch: ['**/*.e2e.ts'], testTimeout: 60000 };
