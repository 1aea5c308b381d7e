import { SERVICE_SPECS } from '@nurt/contracts';
import { loadPredictionEnv } from '@nurt/prediction';
import { runApp } from '@nurt/runtime';
import { PredictionAppModule } from './prediction-app.module.js';

await runApp({
  name: 'prediction',
  defaultPort: SERVICE_SPECS.prediction.splitPort,
  module: () => PredictionAppModule,
  description: 'nurt prediction: the real-estate price model served over REST.',
  config: [() => loadPredictionEnv()],
});
