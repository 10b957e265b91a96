import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { PasswordField } from '../../users/dto/account-fields';

export class ChangePasswordDto {
  @ApiProperty({ maxLength: 128, format: 'password' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  old_password!: string;

  @PasswordField(true)
  new_password!: string;
}
