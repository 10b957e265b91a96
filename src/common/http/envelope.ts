import { ApiProperty } from '@nestjs/swagger';

/** The body of every /api/v1 response. */
export interface Envelope<T> {
  data: T;
  message: string;
  errorCode: number;
  status: number;
}

export function envelope<T>(data: T, status: number, message = 'success', errorCode = 0): Envelope<T> {
  return { data, message, errorCode, status };
}

/** Swagger shape of the envelope; `data` is filled per route by @ApiEnvelope. */
export class EnvelopeDto {
  @ApiProperty({ description: 'The payload, or null; each operation gives its schema', nullable: true, type: 'object', properties: {} })
  data!: unknown;

  @ApiProperty({ example: 'success', maxLength: 500 })
  message!: string;

  @ApiProperty({
    type: 'integer',
    format: 'int32',
    minimum: 0,
    maximum: 99999,
    example: 0,
    description: '0 on success, otherwise a code from the error table',
  })
  errorCode!: number;

  @ApiProperty({
    type: 'integer',
    format: 'int32',
    minimum: 100,
    maximum: 599,
    example: 200,
    description: 'Always equal to the HTTP status',
  })
  status!: number;
}
