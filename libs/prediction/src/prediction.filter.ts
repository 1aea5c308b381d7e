import { Catch, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { MicroBatcherClosedError } from './micro-batcher.js';
import { ModelMetadataError } from './model-metadata.js';
import { ModelNotReadyError, ModelSwitchInProgressError, ModelVersionNotFoundError } from './prediction.constants.js';
import { NonFinitePredictionError } from './price-model.js';

const STATUS = new Map<new (...args: never[]) => Error, HttpStatus>([
  [ModelNotReadyError, HttpStatus.SERVICE_UNAVAILABLE],
  [MicroBatcherClosedError, HttpStatus.SERVICE_UNAVAILABLE],
  [ModelVersionNotFoundError, HttpStatus.NOT_FOUND],
  [ModelSwitchInProgressError, HttpStatus.CONFLICT],
  [ModelMetadataError, HttpStatus.UNPROCESSABLE_ENTITY],
  [NonFinitePredictionError, HttpStatus.UNPROCESSABLE_ENTITY],
]);

const REASON: Partial<Record<HttpStatus, string>> = {
  [HttpStatus.SERVICE_UNAVAILABLE]: 'Service Unavailable',
  [HttpStatus.NOT_FOUND]: 'Not Found',
  [HttpStatus.CONFLICT]: 'Conflict',
  [HttpStatus.UNPROCESSABLE_ENTITY]: 'Unprocessable Entity',
  [HttpStatus.INTERNAL_SERVER_ERROR]: 'Internal Server Error',
};

/** The HTTP status for one of this feature's errors, or undefined for anything else. */
export function predictionErrorStatus(error: unknown): HttpStatus | undefined {
  return error instanceof Error ? STATUS.get(error.constructor as new () => Error) : undefined;
}

/** Turns the prediction feature's own errors into the HTTP answers a client can act on. */
@Catch(
  ModelNotReadyError,
  MicroBatcherClosedError,
  ModelVersionNotFoundError,
  ModelSwitchInProgressError,
  ModelMetadataError,
  NonFinitePredictionError,
)
export class PredictionExceptionFilter implements ExceptionFilter {
  catch(error: Error, host: ArgumentsHost): void {
    const status = predictionErrorStatus(error) ?? HttpStatus.INTERNAL_SERVER_ERROR;
    void host
      .switchToHttp()
      .getResponse<FastifyReply>()
      .status(status)
      .send({ statusCode: status, error: REASON[status] ?? 'Error', message: error.message });
  }
}
