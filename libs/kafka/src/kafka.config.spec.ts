import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { ConfigError } from '@nurt/config';
import { describeBrokers, kafkaClientConfig, loadKafkaEnv } from './kafka.config.js';
import { KafkaRefusedError, securityProblem } from './reachability.js';

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

  describe('KAFKA_SSL_CA_FILE', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nurt-ca-'));
    const ca = join(dir, 'ca.pem');
    const notPem = join(dir, 'not.pem');
    writeFileSync(ca, `${rootCertificates[0]}\n${rootCertificates[1]}\n`);
    writeFileSync(notPem, 'REPLACE-ME\n');
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('trusts the CAs of the file instead of the system ones; KAFKA_SSL alone keeps the system ones', () => {
      const config = kafkaClientConfig(loadKafkaEnv({ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: ca }));
      expect(config.ssl).toEqual({ ca: [`${rootCertificates[0]}\n`, `${rootCertificates[1]}\n`] });
      expect(kafkaClientConfig(loadKafkaEnv({ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: '' })).ssl).toBe(true);
    });

    it('refuses, naming it, a file that is missing or holds no certificate, or a CA without KAFKA_SSL', () => {
      const problems = (env: Record<string, string>): readonly string[] => {
        try {
          loadKafkaEnv(env);
          return [];
        } catch (err: unknown) {
          return err instanceof ConfigError ? err.problems : [String(err)];
        }
      };
      expect(problems({ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: join(dir, 'missing.pem') })).toEqual([
        `KAFKA_SSL_CA_FILE: cannot read ${join(dir, 'missing.pem')} (ENOENT); it must name a PEM file of the CA to trust`,
      ]);
      expect(problems({ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: notPem })).toEqual([
        expect.stringMatching(/^KAFKA_SSL_CA_FILE: .*not\.pem holds no PEM certificate/) as string,
      ]);
      expect(problems({ KAFKA_SSL_CA_FILE: ca })).toEqual([
        expect.stringMatching(/^KAFKA_SSL_CA_FILE: .* but KAFKA_SSL is not true/) as string,
      ]);
    });
  });

  it('names the setting when the broker refuses the login or its certificate is not trusted', () => {
    const env = loadKafkaEnv({
      KAFKA_SSL: 'true',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'nurt',
      KAFKA_SASL_PASSWORD: 'wrong',
    });
    const sasl = Object.assign(new Error('SASL SCRAM SHA512 authentication failed: invalid credentials'), {
      name: 'KafkaJSSASLAuthenticationError',
    });
    expect(securityProblem(new Error('retries exceeded', { cause: sasl }), env)).toMatch(
      /^KAFKA_SASL_PASSWORD: the broker refused the scram-sha-512 login of user "nurt" \(SASL SCRAM/,
    );
    const tls = Object.assign(new Error('Connection error: self-signed certificate in certificate chain'), {
      name: 'KafkaJSConnectionError',
      code: 'SELF_SIGNED_CERT_IN_CHAIN',
    });
    expect(securityProblem(tls, env)).toBe(
      "KAFKA_SSL_CA_FILE: the broker's TLS certificate is not trusted (self-signed certificate in certificate chain): " +
        "KAFKA_SSL_CA_FILE is not set, so only the system CAs are trusted; set KAFKA_SSL_CA_FILE to the PEM of the CA that signed the brokers' certificates",
    );
    expect(securityProblem(new KafkaRefusedError('KAFKA_SSL_CA_FILE: as said'), env)).toBe(
      'KAFKA_SSL_CA_FILE: as said',
    );
    // A wrapper that quotes the refusal (KafkaSendError) is not quoted again.
    const wrapped = new Error(`cannot connect to Kafka: ${securityProblem(sasl, env)}`, { cause: sasl });
    expect(securityProblem(wrapped, env)).toBe(securityProblem(sasl, env));
    expect(securityProblem(new Error('Connection timeout'), env)).toBeNull();
  });
});
