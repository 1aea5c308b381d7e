import { CITIES } from '@nurt/prediction';
import { ageFactor, generateApartments, parseCsv, PRICE_PER_M2, toCsv } from './apartments.js';

describe('apartment generator', () => {
  const rows = generateApartments(3000, 42);

  it('is reproducible from its seed, down to the CSV bytes', () => {
    expect(toCsv(generateApartments(3000, 42))).toBe(toCsv(rows));
    expect(toCsv(generateApartments(3000, 43))).not.toBe(toCsv(rows));
  });

  it('round-trips through CSV, keeping a missing city missing', () => {
    const parsed = parseCsv(toCsv(rows));
    expect(parsed).toEqual(rows);
    expect(parsed.some((r) => r.city === undefined)).toBe(true);
  });

  it('stays within the ranges the API accepts', () => {
    for (const r of rows) {
      expect(r.area).toBeGreaterThan(0);
      expect(r.area).toBeLessThanOrEqual(180);
      expect(r.bedrooms).toBeGreaterThanOrEqual(0);
      expect(r.bedrooms).toBeLessThanOrEqual(6);
      expect(r.building_age).toBeGreaterThanOrEqual(0);
      expect(r.building_age).toBeLessThan(130);
      expect(r.price).toBeGreaterThan(0);
    }
  });

  it("centres each city's price per m² near its published level", () => {
    for (const city of CITIES) {
      const own = rows.filter((r) => r.city === city);
      const median = own.map((r) => r.price / r.area).sort((a, b) => a - b)[Math.floor(own.length / 2)];
      expect(median / PRICE_PER_M2[city]).toBeGreaterThan(0.85);
      expect(median / PRICE_PER_M2[city]).toBeLessThan(1.15);
    }
  });

  it('prices new builds above 1970s blocks and pre-war tenements in between', () => {
    expect(ageFactor(2)).toBeGreaterThan(ageFactor(110));
    expect(ageFactor(110)).toBeGreaterThan(ageFactor(50));
  });

  it('rejects a CSV with an unknown city', () => {
    expect(() => parseCsv('area,bedrooms,building_age,city,price\n50,2,10,berlin,500000\n')).toThrow(/unknown city/);
  });
});
