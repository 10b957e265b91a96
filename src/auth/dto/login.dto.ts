import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength, ValidateIf } from 'class-validator';
import { Omittable } from '../../common/validation/validators';

/** Username or email (at least one) and the password. With both, they must name the same account. */
export class LoginDto {
  @ApiPropertyOptional({ maxLength: 254, example: 'alice2024', description: 'Required unless email is given (give one of the two)' })
  @ValidateIf((body: LoginDto) => body.username !== undefined || body.email === undefined)
  @IsString({ message: 'give username or email' })
  @IsNotEmpty({ message: 'give username or email' })
  @MaxLength(254)
  username?: string;

  // No example: the login example sends one identifier (the username), as a client would.
  @ApiPropertyOptional({ maxLength: 254, format: 'email', description: 'Required unless username is given' })
  @Omittable()
  @IsString()
  @IsNotEmpty()
  @MaxLength(254)
  email?: string;

  @ApiProperty({ maxLength: 128, format: 'password', example: 'correct horse battery' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  password!: string;
}
