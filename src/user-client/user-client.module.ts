import { Module } from '@nestjs/common';
import { neighbourHttpProvider } from '../common/neighbour-http';
import { UserClient } from './user-client.service';

@Module({
  providers: [
    neighbourHttpProvider((config) => ({
      service: 'user',
      baseUrl: config.USER_SERVICE_URL,
      timeoutMs: config.USER_SERVICE_TIMEOUT_MS,
      maxResponseBytes: 256 * 1024,
    })),
    UserClient,
  ],
  exports: [UserClient],
})
export class UserClientModule {}
