import { runService } from '../services/index.js';

await runService('prediction');
