export { mulberry32, normal, shuffled, weightedPick, type Random } from './prng.js';
