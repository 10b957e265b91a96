import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import { Omittable, ToInteger } from '../validation/validators';

export const DEFAULT_LIMIT = 10;

export const MAX_LIMIT = 100;
/** The highest `page` validation lets through (Swagger states the same bound). */
export const MAX_PAGE = 1000000;

/** `page` from 1 and `limit` 1..100, as every list takes them. */
export class PaginationQuery {
  @ApiPropertyOptional({ type: 'integer', format: 'int32', minimum: 1, maximum: MAX_PAGE, default: 1, example: 1 })
  @Omittable()
  @ToInteger()
  @IsInt()
  @Min(1)
  @Max(1000000)
  page: number = 1;

  @ApiPropertyOptional({ type: 'integer', format: 'int32', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT, example: DEFAULT_LIMIT })
  @Omittable()
  @ToInteger()
  @IsInt()
  @Min(1)
  @Max(MAX_LIMIT)
  limit: number = DEFAULT_LIMIT;

  get offset(): number {
    return (this.page - 1) * this.limit;
  }
}

/**
 * One page of a list. `count`: rows matching the filters over all pages; `total`: rows in the
 * collection without filters (the meaning the 003 system gave them).
 */
export interface Page<T> {
  data: T[];
  count: number;
  total: number;
  page: number;
  limit: number;
  /** Lists with keyset paging (GET /users): the cursor of the next page, or null on the last one. */
  next_cursor?: string | null;
}

export function toPage<T>(data: T[], count: number, total: number, query: PaginationQuery): Page<T> {
  return { data, count, total, page: query.page, limit: query.limit };
}

/** Swagger base for page responses; each list declares `data` with its item type. */
export class PageMetaDto {
  @ApiProperty({
    type: 'integer',
    format: 'int64',
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    example: 42,
    description: 'Rows matching the filters, over all pages',
  })
  count!: number;

  @ApiProperty({
    type: 'integer',
    format: 'int64',
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    example: 120,
    description: 'Rows in the collection, without filters',
  })
  total!: number;

  @ApiProperty({ type: 'integer', format: 'int32', minimum: 1, maximum: MAX_PAGE, example: 1 })
  page!: number;

  @ApiProperty({ type: 'integer', format: 'int32', minimum: 1, maximum: MAX_LIMIT, example: 10 })
  limit!: number;
}
