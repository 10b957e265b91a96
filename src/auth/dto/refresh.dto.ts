import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

export class RefreshDto {
  @ApiProperty({ maxLength: 200, description: 'The refresh token from login or the previous refresh' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  refresh_token!: string;
}
