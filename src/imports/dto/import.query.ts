import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { Omittable } from '../../common/validation/validators';
import { SOURCES, SourceSystem } from '../sources/import-record';

export class ImportQuery {
  @ApiProperty({
    enum: SOURCES,
    description:
      '000: the Django `dumpdata` array; 001: `{ "users": [...], "admins": [...] }` of mongoexport documents; 003: an array of rows of the Sequelize `users` table',
  })
  @IsIn(SOURCES, { message: 'source must be one of 000, 001, 003' })
  source!: SourceSystem;

  @ApiPropertyOptional({
    enum: ['false', 'true'],
    default: 'false',
    description: 'true: validate everything and write nothing; `created` counts what would be created',
  })
  @Omittable()
  @IsIn(['false', 'true', '0', '1'], { message: 'dry_run must be true or false' })
  dry_run?: string;
}
