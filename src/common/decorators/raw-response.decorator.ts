import { SetMetadata } from '@nestjs/common';

export const RAW_RESPONSE = 'app:raw-response';

/** The handler's return value is sent as it is, without the envelope (health, metrics, source APIs). */
export const RawResponse = (): ClassDecorator & MethodDecorator => SetMetadata(RAW_RESPONSE, true);
