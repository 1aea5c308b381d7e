import { BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';
import { validationErrorBody } from '@nurt/contracts';
import { parseApartmentQuery } from './apartment.rules.js';
import type { Apartment } from './price-features.js';

/** Validates GET /predict/ query parameters into an Apartment, or answers 400 naming each bad field. */
@Injectable()
export class ApartmentQueryPipe implements PipeTransform<unknown, Apartment> {
  transform(query: unknown): Apartment {
    const parsed = parseApartmentQuery(
      typeof query === 'object' && query !== null ? (query as Record<string, unknown>) : {},
    );
    if (Array.isArray(parsed)) throw new BadRequestException(validationErrorBody(parsed));
    return parsed;
  }
}
