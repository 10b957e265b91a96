import { ApiProperty } from '@nestjs/swagger';
import type { Occupation } from './occupation.entity';

export class OccupationResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ maxLength: 100, example: 'Engineer' })
  name!: string;

  static from(occupation: Occupation): OccupationResponse {
    return Object.assign(new OccupationResponse(), { id: occupation.id, name: occupation.name });
  }
}
