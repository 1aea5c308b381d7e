import { isCity, type Apartment, type City } from '@nurt/prediction';
import { mulberry32, normal, weightedPick, type Random } from '@nurt/random';

/**
 * Average transaction price per m² on the secondary market, PLN, around 2024 Q2, rounded to
 * 500 PLN. Approximations of the figures NBP publishes quarterly for the largest cities; see
 * tools/ml/README.md for the source and caveats. They set each city's level, nothing more.
 */
export const PRICE_PER_M2: Readonly<Record<City, number>> = {
  warsaw: 15_500,
  krakow: 14_500,
  gdansk: 13_500,
  wroclaw: 12_000,
  poznan: 10_000,
  lodz: 8_000,
};

/** Rough share of each city in the generated listings (bigger markets, more rows). */
export const CITY_SHARE: Readonly<Record<City, number>> = {
  warsaw: 0.3,
  krakow: 0.18,
  wroclaw: 0.16,
  gdansk: 0.12,
  poznan: 0.12,
  lodz: 0.12,
};

/** Share of rows whose city is not recorded, so the model learns an answer for "city unknown". */
export const MISSING_CITY_SHARE = 0.1;

export interface GeneratedApartment extends Apartment {
  readonly price: number;
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/** Building-age multiplier: new builds at a premium, 1960s–80s blocks cheapest, pre-war tenements recover. */
export function ageFactor(age: number): number {
  return 1.08 - 0.005 * Math.min(age, 50) + 0.12 * clamp((age - 75) / 35, 0, 1);
}

/** Small flats cost more per m²; the elasticity is mild. */
export function sizeFactor(area: number): number {
  return (area / 55) ** -0.1;
}

/** More rooms carved out of the same area sells slightly better than the typical layout. */
export function roomsFactor(area: number, bedrooms: number): number {
  return 1 + 0.02 * clamp(bedrooms - typicalBedrooms(area), -2, 2);
}

function typicalBedrooms(area: number): number {
  return area / 24 - 0.5;
}

function drawAge(random: Random): number {
  const kind = weightedPick(random, { newBuild: 0.25, recent: 0.25, prl: 0.35, prewar: 0.15 });
  switch (kind) {
    case 'newBuild':
      return Math.floor(random() * 6);
    case 'recent':
      return 6 + Math.floor(random() * 30);
    case 'prl':
      return 36 + Math.floor(random() * 25);
    case 'prewar':
      return 80 + Math.floor(random() * 50);
  }
}

function drawApartment(random: Random): GeneratedApartment {
  const city = weightedPick(random, CITY_SHARE);
  const cityRecorded = random() >= MISSING_CITY_SHARE;
  const area = Math.round(clamp(Math.exp(Math.log(55) + 0.35 * normal(random)), 18, 180) * 10) / 10;
  const bedrooms = clamp(Math.round(typicalBedrooms(area) + 0.5 * normal(random)), 0, 6);
  const building_age = drawAge(random);
  const perM2 =
    PRICE_PER_M2[city] *
    ageFactor(building_age) *
    sizeFactor(area) *
    roomsFactor(area, bedrooms) *
    Math.exp(0.07 * normal(random));
  const price = Math.round((area * perM2) / 1000) * 1000;
  return cityRecorded ? { area, bedrooms, building_age, city, price } : { area, bedrooms, building_age, price };
}

export function generateApartments(rows: number, seed: number): GeneratedApartment[] {
  const random = mulberry32(seed);
  return Array.from({ length: rows }, () => drawApartment(random));
}

const HEADER = 'area,bedrooms,building_age,city,price';

export function toCsv(apartments: readonly GeneratedApartment[]): string {
  const lines = apartments.map((a) => `${a.area},${a.bedrooms},${a.building_age},${a.city ?? ''},${a.price}`);
  return `${HEADER}\n${lines.join('\n')}\n`;
}

export function parseCsv(text: string): GeneratedApartment[] {
  const [header, ...lines] = text.trimEnd().split('\n');
  if (header !== HEADER) throw new Error(`unexpected CSV header: ${header ?? '(empty)'}`);
  return lines.map((line, i) => {
    const [area, bedrooms, age, city, price] = line.split(',');
    const row = { area: Number(area), bedrooms: Number(bedrooms), building_age: Number(age), price: Number(price) };
    if (Object.values(row).some((v) => !Number.isFinite(v))) throw new Error(`CSV line ${i + 2}: not a number`);
    if (city === undefined || city === '') return row;
    if (!isCity(city)) throw new Error(`CSV line ${i + 2}: unknown city ${city}`);
    return { ...row, city };
  });
}
