import { EmailField, PasswordField, PhoneField, ProfileField, UsernameField } from './account-fields';
import { ProfileDto } from './profile.dto';

/** The fields of a new account, shared by registration (POST /auth/register) and staff creation (POST /users). */
export class NewAccountDto {
  @UsernameField(true)
  username!: string;

  @EmailField(true)
  email!: string;

  @PasswordField(true)
  password!: string;

  @PhoneField()
  phone_number?: string | null;

  @ProfileField()
  profile?: ProfileDto;
}
