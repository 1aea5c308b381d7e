import { ConfigError } from '@nurt/config';
import { kafkaClientConfig, loadKafkaEnv } from './kafka.config.js';

describe('Kafka config from env', () => {
  it('defaults to the local broker', () => {
    const config = kafkaClientConfig(loadKafkaEnv({}), 'monolith');
    expect(config).toMatchObject({ brokers: ['127.0.0.1:9092'], clientId: 'nurt-monolith', ssl: false });
    expect(config.sasl).toBeUndefined();
  });

  it('reads a cluster with SASL/SSL', () => {
    const env = loadKafkaEnv({
      KAFKA_BROKERS: 'k1:9092,k2:9092',
      KAFKA_SSL: 'true',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'nurt',
      KAFKA_SASL_PASSWORD: 'secret',
    });
    expect(kafkaClientConfig(env)).toMatchObject({
      brokers: ['k1:9092', 'k2:9092'],
      ssl: true,
      sasl: { mechanism: 'scram-sha-512', username: 'nurt', password: 'secret' },
    });
  });

  it('refuses a broker list without ports and SASL without credentials', () => {
    expect(() => loadKafkaEnv({ KAFKA_BROKERS: 'localhost' })).toThrow(/KAFKA_BROKERS/);
    expect(() => loadKafkaEnv({ KAFKA_SASL_MECHANISM: 'plain' })).toThrow(ConfigError);
    expect(() => loadKafkaEnv({ KAFKA_SASL_MECHANISM: 'plain' })).toThrow(/KAFKA_SASL_USERNAME/);
  });
});
