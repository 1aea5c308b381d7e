// Jest 30 on Nest 12 (ESM only): run with `node --experimental-vm-modules` (see package.json)
// and let ts-jest emit ESM. Unit specs sit next to the code; integration and e2e suites under test/.
const tsJest = ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json', diagnostics: { ignoreCodes: ['TS151001'] } }];

const common = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': tsJest },
  moduleNameMapper: {
    '^@nurt/([a-z-]+)$': '<rootDir>/libs/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testEnvironment: 'node',
};

export default {
  // Integration suites wait on a real broker (group joins, rebalances); a unit spec never comes close.
  testTimeout: 120_000,
  // Two suites at a time, also on this 2-core machine: the integration suites spend most of their
  // time waiting on the broker (group joins, session timeouts, apps starting), so two of them
  // overlap well (npm test: ~6 min instead of ~11). Each suite has its own consumer groups,
  // databases, ports and PGlite folders, so they do not see each other.
  maxWorkers: 2,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,tools,bench}/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.{e2e,int}-spec.ts'],
      globalSetup: '<rootDir>/test/setup/global-setup.mjs',
    },
  ],
};
