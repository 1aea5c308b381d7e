import { failureLine } from './cli.js';

describe('a command that fails', () => {
  const env = { ...process.env };
  afterEach(() => {
    process.env = { ...env };
  });

  it('names the Kafka address it tried, and where it came from, when no broker answered', () => {
    process.env.KAFKA_BROKERS = '';
    process.env.KAFKA_PORT = '19292';
    const refused = Object.assign(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:19292'), {
      name: 'KafkaJSConnectionError',
    });
    expect(failureLine('produce', refused)).toBe(
      "produce: cannot reach Kafka at 127.0.0.1:19292 (KAFKA_PORT in the environment, the local broker's port; " +
        'KAFKA_BROKERS is not set): Connection error: connect ECONNREFUSED 127.0.0.1:19292',
    );
    // Wrapped (our producer's KafkaSendError carries the kafkajs error as its cause).
    const wrapped = new Error('Kafka refused the write', { cause: refused });
    expect(failureLine('produce', wrapped)).toMatch(/^produce: cannot reach Kafka at 127\.0\.0\.1:19292 /);
  });

  it('does not blame Kafka for another service that refused a connection', () => {
    const fetchFailed = new Error('cannot reach the customers service at http://127.0.0.1:1 (ECONNREFUSED)');
    expect(failureLine('produce', fetchFailed)).toBe(
      'produce: failed: cannot reach the customers service at http://127.0.0.1:1 (ECONNREFUSED)',
    );
  });

  it('is one line with the message for anything else', () => {
    expect(failureLine('dlq:replay', new Error('topic transactions.dlq has no partition 9'))).toBe(
      'dlq:replay: failed: topic transactions.dlq has no partition 9',
    );
  });
});
