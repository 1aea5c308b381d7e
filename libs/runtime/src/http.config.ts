import { Expose } from 'class-transformer';
import { IsIn, IsInt, IsString, Max, Min } from 'class-validator';
import { ToNumber } from '@nurt/config';

export class HttpEnv {
  @Expose()
  @ToNumber()
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  /** Loopback by default: a laptop's `npm start` is not reachable from the network. Containers set 0.0.0.0. */
  @Expose()
  @IsString()
  HOST = '127.0.0.1';

  /** auto: readable text on a terminal, one JSON object per line otherwise (a file, a pipe, a container's log). */
  @Expose()
  @IsIn(['auto', 'text', 'json'])
  LOG_FORMAT: 'auto' | 'text' | 'json' = 'auto';

  @Expose()
  @IsIn(['error', 'warn', 'log', 'debug', 'verbose'])
  LOG_LEVEL: 'error' | 'warn' | 'log' | 'debug' | 'verbose' = 'log';
}
