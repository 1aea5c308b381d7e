import { ConfigError } from '@nurt/config';
import { describeBrokers, kafkaClientConfig, loadKafkaEnv } from './kafka.config.js';

describe('Kafka config from env', () => {
  it('defaults to the local broker', () => {
    const config = kafkaClientConfig(loadKafkaEnv({}), 'monolith');
    expect(config).toMatchObject({ brokers: ['127.0.0.1:9092'], clientId: 'nurt-monolith', ssl: false });
    expect(config.sasl).toBeUndefined();
  });

  it('dials the local broker on KAFKA_PORT when KAFKA_BROKERS is not set, as the launcher starts it', () => {
    expect(loadKafkaEnv({ KAFKA_PORT: '19292' }).KAFKA_BROKERS).toEqual(['127.0.0.1:19292']);
    expect(loadKafkaEnv({ KAFKA_PORT: '19292', KAFKA_BROKERS: 'kafka:9092' }).KAFKA_BROKERS).toEqual(['kafka:9092']);
    expect(loadKafkaEnv({ KAFKA_PORT: '19292', KAFKA_BROKERS: '' }).KAFKA_BROKERS).toEqual(['127.0.0.1:19292']);
  });

  it('says which brokers it dials and where that came from', () => {
    expect(describeBrokers({})).toBe('127.0.0.1:9092 (the default: neither KAFKA_BROKERS nor KAFKA_PORT is set)');
    expect(describeBrokers({ KAFKA_PORT: '19292' })).toBe(
      "127.0.0.1:19292 (KAFKA_PORT in the environment, the local broker's port; KAFKA_BROKERS is not set)",
    );
    expect(describeBrokers({ KAFKA_BROKERS: 'a:1,b:2' })).toBe('a:1,b:2 (KAFKA_BROKERS in the environment)');
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
