export const PREDICTION_ENV = Symbol('nurt.prediction.env');

/** Errors a client can act on, mapped to HTTP by PredictionExceptionFilter. */
export class ModelNotReadyError extends Error {
  override name = 'ModelNotReadyError';
  constructor() {
    super('the price model is not loaded yet');
  }
}

export class ModelVersionNotFoundError extends Error {
  override name = 'ModelVersionNotFoundError';
  constructor(readonly version: string) {
    super(`model version ${version} not found`);
  }
}

export class ModelSwitchInProgressError extends Error {
  override name = 'ModelSwitchInProgressError';
  constructor(readonly target: string) {
    super(`a switch to model version ${target} is already in progress`);
  }
}
