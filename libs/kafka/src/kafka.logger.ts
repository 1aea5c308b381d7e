import { Logger } from '@nestjs/common';
import { logLevel, type logCreator } from './kafkajs.js';

/** Routes kafkajs' own log lines through Nest's logger, so they share one format and level. */
export const nestLogCreator: logCreator = () => {
  const logger = new Logger('kafkajs');
  return ({ namespace, level, log }) => {
    const { message, ...extra } = log;
    const line = `${namespace ? `[${namespace}] ` : ''}${message} ${JSON.stringify(extra)}`;
    switch (level) {
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
