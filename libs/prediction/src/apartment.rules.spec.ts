import { parseApartmentQuery } from './apartment.rules.js';

describe('parseApartmentQuery', () => {
  it("parses the lecture's query, city optional", () => {
    expect(parseApartmentQuery({ area: '65', bedrooms: '3', building_age: '10' })).toEqual({
      area: 65,
      bedrooms: 3,
      building_age: 10,
      city: undefined,
    });
    expect(parseApartmentQuery({ area: '48.5', bedrooms: '0', building_age: '0', city: 'gdansk' })).toEqual({
      area: 48.5,
      bedrooms: 0,
      building_age: 0,
      city: 'gdansk',
    });
  });

  it.each([
    [{ bedrooms: '3', building_age: '10' }, 'area', 'area is required'],
    [{ area: 'abc', bedrooms: '3', building_age: '10' }, 'area', 'area must be a number'],
    [{ area: '', bedrooms: '3', building_age: '10' }, 'area', 'area must be a number'],
    [{ area: 'Infinity', bedrooms: '3', building_age: '10' }, 'area', 'area must be a number'],
    [{ area: '0', bedrooms: '3', building_age: '10' }, 'area', 'area must be greater than 0 and at most 10000'],
    [{ area: '10000.5', bedrooms: '3', building_age: '10' }, 'area', 'area must be greater than 0 and at most 10000'],
    [{ area: ['1', '2'], bedrooms: '3', building_age: '10' }, 'area', 'area must be a number'],
    [{ area: '65', bedrooms: '2.5', building_age: '10' }, 'bedrooms', 'bedrooms must be an integer'],
    [{ area: '65', bedrooms: '-1', building_age: '10' }, 'bedrooms', 'bedrooms must be at least 0 and at most 50'],
    [{ area: '65', bedrooms: '51', building_age: '10' }, 'bedrooms', 'bedrooms must be at least 0 and at most 50'],
    [
      { area: '65', bedrooms: '3', building_age: '501' },
      'building_age',
      'building_age must be at least 0 and at most 500',
    ],
    [
      { area: '65', bedrooms: '3', building_age: '-1' },
      'building_age',
      'building_age must be at least 0 and at most 500',
    ],
    [{ area: '65', bedrooms: '3', building_age: '10', city: 'berlin' }, 'city', 'city must be one of'],
    [{ area: '65', bedrooms: '3', building_age: '10', floor: '2' }, 'floor', 'property floor should not exist'],
  ])('rejects %j naming %s', (query, field, message) => {
    const problems = parseApartmentQuery(query);
    expect(Array.isArray(problems)).toBe(true);
    expect(problems).toEqual([{ field, message: expect.stringContaining(message) as string }]);
  });

  it('reports every bad field at once', () => {
    const problems = parseApartmentQuery({ area: '-5', bedrooms: 'x' });
    expect(Array.isArray(problems) && problems.map((p) => p.field)).toEqual(['area', 'bedrooms', 'building_age']);
  });
});
