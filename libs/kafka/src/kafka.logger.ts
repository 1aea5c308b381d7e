import { Logger } from '@nestjs/common';
import { logLevel, type logCreator } from './kafkajs.js';

/**
 * kafkajs logs an ERROR for every attempt that fails on the way to a broker, and retries it: a
 * connection refused, a seed broker that did not answer. Whoever needed the connection reports
 * the final failure in its own words (the app's start-up check, a command's last line), so these
 * are warnings.
 */
const RETRIED = new Set(['Connection', 'BrokerPool']);

/** Routes kafkajs' own log lines through Nest's logger, so they share one format and level. */
export const nestLogCreator: logCreator = () => {
  const logger = new Logger('kafkajs');
  return ({ namespace, level, log }) => {
    // The stack of a socket error says nothing to the reader; the message names the broker and the cause.
    const { message, stack: _stack, ...extra } = log as typeof log & { stack?: unknown };
    const line = `${namespace ? `[${namespace}] ` : ''}${message} ${JSON.stringify(extra)}`;
    switch (level === logLevel.ERROR && RETRIED.has(namespace) ? logLevel.WARN : level) {
      case logLevel.ERROR:
        logger.error(line);
        break;
      case logLevel.WARN:
        logger.warn(line);
        break;
      case logLevel.INFO:
        logger.log(line);
        break;
      case logLevel.DEBUG:
        logger.debug(line);
        break;
      case logLevel.NOTHING:
        break;
    }
  };
};
