import { applyDecorators, Type } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiResponse, ApiResponseOptions, getSchemaPath } from '@nestjs/swagger';
import type { ExamplesObject, ReferenceObject, SchemaObject } from '@nestjs/swagger';
import { ERRORS, ErrorCode } from '../errors/error-codes';
import { EnvelopeDto } from '../http/envelope';
import { MAX_LIMIT, PageMetaDto } from '../pagination/pagination';
import { MAX_FIELD_ERRORS } from '../pipes/validation-messages';
import { ERROR_CODE_MAX, MESSAGE_MAX_LENGTH, QUOTED_INPUT_MAX_LENGTH } from './limits';

export class FieldErrorDto {
  @ApiProperty({
    example: 'username',
    maxLength: QUOTED_INPUT_MAX_LENGTH,
    description: 'The field (`profile.age` for a nested one); an unknown field is named as it was sent',
  })
  field!: string;

  @ApiProperty({
    example: 'username may contain only letters and digits, 6 to 22 characters',
    maxLength: QUOTED_INPUT_MAX_LENGTH,
    description: 'English, or Simplified Chinese when Accept-Language prefers zh',
  })
  message!: string;
}

export class ErrorEnvelopeDto {
  // Inline rather than a $ref: OpenAPI 3.0 cannot make a referenced schema nullable.
  @ApiProperty({
    type: 'object',
    nullable: true,
    description: 'null, or `{ errors: [{ field, message }] }` for 40001 (at most 50 fields, the most telling rule each)',
    properties: {
      errors: { type: 'array', maxItems: MAX_FIELD_ERRORS, items: { $ref: getSchemaPath(FieldErrorDto) } },
    },
    required: ['errors'],
    selfRequired: true,
    example: null,
  })
  data!: { errors: FieldErrorDto[] } | null;

  @ApiProperty({
    example: 'Validation failed',
    maxLength: MESSAGE_MAX_LENGTH,
    description: 'English, or Simplified Chinese when Accept-Language prefers zh',
  })
  message!: string;

  @ApiProperty({ type: 'integer', format: 'int32', minimum: 40000, maximum: ERROR_CODE_MAX, example: 40001 })
  errorCode!: number;

  @ApiProperty({
    type: 'integer',
    format: 'int32',
    minimum: 400,
    maximum: 599,
    example: 400,
    description: 'Always equal to the HTTP status',
  })
  status!: number;
}

interface EnvelopeOptions {
  status?: number;
  description?: string;
  isArray?: boolean;
  example?: unknown;
  /** `data` is one of these models (the first argument is then the first of them). */
  oneOf?: Array<Type<unknown>>;
}

/** An integer that can only be `value` (the envelope's `status` and `errorCode` of one response). */
const exactly = (value: number): SchemaObject => ({ type: 'integer', format: 'int32', minimum: value, maximum: value, example: value });

/** Documents a success response: the envelope with `data` of the given model (or null). */
export function ApiEnvelope(model: Type<unknown> | null, options: EnvelopeOptions = {}): MethodDecorator {
  const status = options.status ?? 200;
  const data: SchemaObject | ReferenceObject = options.oneOf
    ? { oneOf: options.oneOf.map((one) => ({ $ref: getSchemaPath(one) })) }
    : model
      ? options.isArray
        ? { type: 'array', maxItems: MAX_LIMIT, items: { $ref: getSchemaPath(model) } }
        : { $ref: getSchemaPath(model) }
      : { type: 'object', nullable: true, description: 'Always null', example: null };
  const decorators = [
    ApiExtraModels(EnvelopeDto, ...(model ? [model] : []), ...(options.oneOf ?? [])),
    ApiResponse({
      status,
      description: options.description ?? (status === 201 ? 'Created' : 'Success'),
      schema: {
        allOf: [{ $ref: getSchemaPath(EnvelopeDto) }, { properties: { data, errorCode: exactly(0), status: exactly(status) } }],
      },
      ...(options.example !== undefined
        ? { examples: { success: { summary: 'success', value: { data: options.example, message: 'success', errorCode: 0, status } } } }
        : {}),
    } as ApiResponseOptions),
  ];
  return applyDecorators(...decorators);
}

/** The field error of the 40001 examples. */
export const EXAMPLE_FIELD_ERROR: FieldErrorDto = {
  field: 'username',
  message: 'username may contain only letters and digits, 6 to 22 characters',
};

/** The envelope an error code answers with, as an example. */
function errorExample(code: ErrorCode, fieldError: FieldErrorDto): { summary: string; value: ErrorEnvelopeDto } {
  const { status, message } = ERRORS[code];
  return {
    summary: message.en,
    value: { data: code === ErrorCode.VALIDATION_FAILED ? { errors: [fieldError] } : null, message: message.en, errorCode: code, status },
  };
}

/** One HTTP status of the error envelope: a description naming its codes, the schema and an example per code. */
export function errorEnvelopeResponse(
  codes: ErrorCode[],
  fieldError: FieldErrorDto = EXAMPLE_FIELD_ERROR,
): { description: string; schema: ReferenceObject; examples: ExamplesObject } {
  return {
    description: codes.map((code) => `${code}: ${ERRORS[code].message.en}`).join('; '),
    schema: { $ref: getSchemaPath(ErrorEnvelopeDto) },
    examples: Object.fromEntries(codes.map((code) => [String(code), errorExample(code, fieldError)])),
  };
}

/** Documents the error codes a route can return, grouped by HTTP status, with one example each. */
export function ApiErrors(...codes: ErrorCode[]): MethodDecorator & ClassDecorator {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = ERRORS[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const decorators = [...byStatus.entries()].map(([status, group]) =>
    ApiResponse({ status, ...errorEnvelopeResponse(group) } as ApiResponseOptions),
  );
  return applyDecorators(ApiExtraModels(ErrorEnvelopeDto, FieldErrorDto), ...decorators);
}

/** Documents a page response: the envelope with `data: { data: [model], count, total, page, limit }`. */
export function ApiPageEnvelope(
  model: Type<unknown>,
  description = 'One page of results',
  options: { cursor?: boolean } = {},
): MethodDecorator {
  const cursor: Record<string, SchemaObject> = options.cursor
    ? {
        next_cursor: {
          type: 'string',
          format: 'uuid',
          maxLength: 36,
          nullable: true,
          description: 'Pass as `cursor` to get the next page in constant time; null on the last page',
        },
      }
    : {};
  return applyDecorators(
    ApiExtraModels(EnvelopeDto, PageMetaDto, model),
    ApiResponse({
      status: 200,
      description,
      schema: {
        allOf: [
          { $ref: getSchemaPath(EnvelopeDto) },
          {
            properties: {
              data: {
                allOf: [
                  { $ref: getSchemaPath(PageMetaDto) },
                  {
                    properties: { data: { type: 'array', maxItems: MAX_LIMIT, items: { $ref: getSchemaPath(model) } }, ...cursor },
                    required: ['data'],
                  },
                ],
              },
              errorCode: exactly(0),
              status: exactly(200),
            },
          },
        ],
      },
    }),
  );
}

/** Documents a plain JSON array of `model` (the source APIs' lists): one page of at most `maxItems` rows. */
export function ApiArrayResponse(model: Type<unknown>, maxItems: number, description = 'One page, as a plain array'): MethodDecorator {
  return applyDecorators(
    ApiExtraModels(model),
    ApiResponse({ status: 200, description, schema: { type: 'array', maxItems, items: { $ref: getSchemaPath(model) } } }),
  );
}
