export * from './price-features.js';
export * from './model-files.js';
export * from './model-metadata.js';
