/** A store location. Stores are named after their city; fraud rules measure distances between them. */
export interface StoreLocation {
  readonly store: string;
  readonly lat: number;
  readonly lon: number;
}

/** The chain's stores in Polish cities (ASCII names, as the lecture writes "Warsaw"). */
export const STORES: readonly StoreLocation[] = [
  { store: 'Warsaw', lat: 52.2297, lon: 21.0122 },
  { store: 'Krakow', lat: 50.0647, lon: 19.945 },
  { store: 'Lodz', lat: 51.7592, lon: 19.456 },
  { store: 'Wroclaw', lat: 51.1079, lon: 17.0385 },
  { store: 'Poznan', lat: 52.4064, lon: 16.9252 },
  { store: 'Gdansk', lat: 54.352, lon: 18.6466 },
  { store: 'Szczecin', lat: 53.4285, lon: 14.5528 },
  { store: 'Bydgoszcz', lat: 53.1235, lon: 18.0084 },
  { store: 'Lublin', lat: 51.2465, lon: 22.5684 },
  { store: 'Bialystok', lat: 53.1325, lon: 23.1688 },
  { store: 'Katowice', lat: 50.2649, lon: 19.0238 },
  { store: 'Rzeszow', lat: 50.0412, lon: 21.9991 },
];

/** The store's location; a store outside the list (a test's store, another city) has none. */
export function storeLocation(store: string): StoreLocation | undefined {
  return STORES.find((s) => s.store.toLowerCase() === store.toLowerCase());
}
