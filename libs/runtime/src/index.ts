export { HttpEnv } from './http.config.js';
export { checkConfig, createHttpApp, runApp, setUpOpenApi, type AppDefinition } from './run-app.js';
export { createValidationPipe, validationErrorBody, type ValidationErrorBody } from './validation.pipe.js';
