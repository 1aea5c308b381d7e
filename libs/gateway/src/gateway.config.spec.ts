import { ConfigError } from '@nurt/config';
import { loadGatewayEnv, upstreams } from './gateway.config.js';

describe('gateway config', () => {
  it('defaults to the ports npm run start:split uses', () => {
    expect(upstreams(loadGatewayEnv({})).map((u) => `${u.service}=${u.url}`)).toEqual([
      'customers=http://127.0.0.1:3001',
      'prediction=http://127.0.0.1:3002',
      'transactions=http://127.0.0.1:3003',
      'fraud=http://127.0.0.1:3004',
      'reporting=http://127.0.0.1:3005',
      'recommendation=http://127.0.0.1:3006',
    ]);
  });

  it('takes service URLs from env (cluster DNS names, no TLD) and drops a trailing slash', () => {
    const env = loadGatewayEnv({ GATEWAY_PREDICTION_URL: 'http://prediction:3000/' });
    expect(upstreams(env).find((u) => u.service === 'prediction')?.url).toBe('http://prediction:3000');
  });

  it('names a bad URL', () => {
    expect(() => loadGatewayEnv({ GATEWAY_FRAUD_URL: 'fraud:3000' })).toThrow(ConfigError);
    expect(() => loadGatewayEnv({ GATEWAY_FRAUD_URL: 'fraud:3000' })).toThrow(/GATEWAY_FRAUD_URL/);
  });
});
