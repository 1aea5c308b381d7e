import { SERVICE_SPECS, SERVICES } from './services.js';

describe('SERVICE_SPECS', () => {
  it('gives every service its own split port and no path to two services', () => {
    const ports = SERVICES.map((s) => SERVICE_SPECS[s].splitPort);
    expect(new Set(ports).size).toBe(SERVICES.length);
    const paths = SERVICES.flatMap((s) => SERVICE_SPECS[s].paths);
    expect(new Set(paths).size).toBe(paths.length);
  });
});
