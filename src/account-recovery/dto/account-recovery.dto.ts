import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { EmailField, PasswordField } from '../../users/dto/account-fields';

export class ForgotPasswordDto {
  @EmailField(true)
  email!: string;
}

/** The token from a link: `?token=...` of `{PUBLIC_URL}/reset-password` or `/verify-email`. */
const TokenField = (): PropertyDecorator => (target: object, key: string | symbol) => {
  ApiProperty({ maxLength: 128, description: 'The `token` query parameter of the link in the mail', example: 'kq3Z...' })(target, key);
  IsString()(target, key);
  IsNotEmpty()(target, key);
  MaxLength(128)(target, key);
};

export class ResetPasswordDto {
  @TokenField()
  token!: string;

  @PasswordField(true)
  new_password!: string;
}

export class VerifyEmailDto {
  @TokenField()
  token!: string;
}
