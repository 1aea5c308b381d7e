import { parseServiceList, SERVICE_SPECS, SERVICES } from './services.js';

describe('services', () => {
  it('parses a list in any order and case, into the declared order, once each', () => {
    expect(parseServiceList(' Prediction, customers,prediction ')).toEqual(['customers', 'prediction']);
  });

  it('means every service when empty or unset', () => {
    expect(parseServiceList(undefined)).toEqual([...SERVICES]);
    expect(parseServiceList(' , ')).toEqual([...SERVICES]);
  });

  it('names each unknown entry', () => {
    expect(() => parseServiceList('customers,billing,ml')).toThrow(/unknown service "billing", "ml"; known: customers/);
  });

  it('gives every service its own split port and no path to two services', () => {
    const ports = SERVICES.map((s) => SERVICE_SPECS[s].splitPort);
    expect(new Set(ports).size).toBe(SERVICES.length);
    const paths = SERVICES.flatMap((s) => SERVICE_SPECS[s].paths);
    expect(new Set(paths).size).toBe(paths.length);
  });
});
