import { STORES, type CustomerSegment } from '@nurt/contracts';
import type { CustomerInput } from './customer.js';
import { mulberry32 } from '@nurt/random';

const FEMALE = [
  'Anna',
  'Maria',
  'Katarzyna',
  'Małgorzata',
  'Agnieszka',
  'Barbara',
  'Ewa',
  'Krystyna',
  'Magdalena',
  'Joanna',
  'Aleksandra',
  'Zofia',
  'Monika',
  'Natalia',
  'Julia',
  'Karolina',
  'Marta',
  'Beata',
  'Dorota',
  'Alicja',
];
const MALE = [
  'Piotr',
  'Krzysztof',
  'Andrzej',
  'Tomasz',
  'Paweł',
  'Jan',
  'Michał',
  'Marcin',
  'Stanisław',
  'Jakub',
  'Adam',
  'Łukasz',
  'Mateusz',
  'Marek',
  'Grzegorz',
  'Wojciech',
  'Kamil',
  'Szymon',
  'Rafał',
  'Bartosz',
];
/** Surnames in their masculine form; -ski/-cki/-dzki take -ska/-cka/-dzka for women. */
const SURNAMES = [
  'Nowak',
  'Kowalski',
  'Wiśniewski',
  'Wójcik',
  'Kowalczyk',
  'Kamiński',
  'Lewandowski',
  'Zieliński',
  'Szymański',
  'Woźniak',
  'Dąbrowski',
  'Kozłowski',
  'Jankowski',
  'Mazur',
  'Kwiatkowski',
  'Krawczyk',
  'Piotrowski',
  'Grabowski',
  'Nowakowski',
  'Pawłowski',
  'Michalski',
  'Król',
  'Wieczorek',
  'Jabłoński',
  'Wróbel',
  'Nowicki',
  'Majewski',
  'Olszewski',
  'Stępień',
  'Malinowski',
  'Jaworski',
  'Adamczyk',
  'Dudek',
  'Zając',
  'Wilk',
  'Sikora',
];
const DOMAINS = ['gmail.com', 'wp.pl', 'onet.pl', 'o2.pl', 'interia.pl', 'outlook.com', 'op.pl'];
/** Rough relative populations of the store cities, so that Warsaw has the most customers. */
const CITY_WEIGHTS: Readonly<Record<string, number>> = {
  Warsaw: 18,
  Krakow: 8,
  Lodz: 7,
  Wroclaw: 6.5,
  Poznan: 5.5,
  Gdansk: 4.7,
  Szczecin: 4,
  Bydgoszcz: 3.4,
  Lublin: 3.4,
  Bialystok: 3,
  Katowice: 2.9,
  Rzeszow: 2,
};
const SEGMENT_WEIGHTS: readonly (readonly [CustomerSegment, number])[] = [
  ['premium', 0.15],
  ['standard', 0.55],
  ['basic', 0.3],
];

function feminine(surname: string): string {
  return /(ski|cki|dzki)$/.test(surname) ? `${surname.slice(0, -1)}a` : surname;
}

/** ASCII for the local part of an email: "Łukasz Wiśniewski" → "lukasz.wisniewski". */
function asciiFold(text: string): string {
  return text
    .replace(/ł/g, 'l')
    .replace(/Ł/g, 'L')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
}

export interface GenerateOptions {
  readonly seed?: number;
  /** Index of the first customer; emails carry it, so ranges generated separately never collide. */
  readonly start?: number;
}

/**
 * `count` realistic Polish customers (names, gendered surnames, store cities by population,
 * mostly standard segment). Deterministic per seed and index; emails are unique per index.
 */
export function generateCustomers(count: number, options: GenerateOptions = {}): CustomerInput[] {
  const random = mulberry32(options.seed ?? 42);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const weighted = <T>(pairs: readonly (readonly [T, number])[]): T => {
    let roll = random() * pairs.reduce((sum, [, w]) => sum + w, 0);
    for (const [value, w] of pairs) {
      roll -= w;
      if (roll < 0) return value;
    }
    return (pairs.at(-1) as readonly [T, number])[0];
  };
  const cities = STORES.map((s) => [s.store, CITY_WEIGHTS[s.store] ?? 1] as const);
  const start = options.start ?? 0;
  return Array.from({ length: count }, (_, i) => {
    const female = random() < 0.52;
    const first = pick(female ? FEMALE : MALE);
    const surname = female ? feminine(pick(SURNAMES)) : pick(SURNAMES);
    return {
      name: `${first} ${surname}`,
      email: `${asciiFold(first)}.${asciiFold(surname)}.${start + i}@${pick(DOMAINS)}`,
      city: weighted(cities),
      segment: weighted(SEGMENT_WEIGHTS),
    };
  });
}
