import { loadPredictionEnv } from '@nurt/prediction';
import { runApp } from '@nurt/runtime';
import { PredictionAppModule } from './prediction-app.module.js';

await runApp({
  name: 'prediction',
  module: () => PredictionAppModule,
  description: 'nurt prediction: the real-estate price model served over REST.',
  config: [() => loadPredictionEnv()],
});
