import { ConfigError } from '@nurt/config';
import { loadMonolithEnv } from './monolith.config.js';

describe('NURT_SERVICES', () => {
  it('selects every service by default', () => {
    expect(loadMonolithEnv({}).NURT_SERVICES).toEqual([
      'customers',
      'prediction',
      'transactions',
      'fraud',
      'reporting',
      'recommendation',
    ]);
  });

  it('keeps the declared order and drops repeats', () => {
    expect(loadMonolithEnv({ NURT_SERVICES: 'reporting, customers,reporting' }).NURT_SERVICES).toEqual([
      'customers',
      'reporting',
    ]);
  });

  it('names the variable and the allowed values for an unknown service', () => {
    expect(() => loadMonolithEnv({ NURT_SERVICES: 'customers,billing' })).toThrow(ConfigError);
    expect(() => loadMonolithEnv({ NURT_SERVICES: 'customers,billing' })).toThrow(
      /NURT_SERVICES: each entry must be one of: customers, prediction, transactions, fraud, reporting, recommendation \(got "customers,billing"\)/,
    );
  });
});
