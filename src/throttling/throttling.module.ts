import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { appConfig, type AppConfig } from '../config/app.config';
import { AuthModule } from '../auth/auth.module';
import { IS_PUBLIC } from '../auth/decorators';
import { FailOpenRedisStorage } from './fail-open-storage';
import { IpRateLimit } from './ip-rate-limit';
import { SlidingWindowStorage } from './sliding-window-storage';
import { ORDER_CREATION_LIMIT, RateLimitGuard } from './rate-limit.guard';

@Module({
  imports: [
    AuthModule,
    ThrottlerModule.forRootAsync({
      inject: [appConfig.KEY],
      useFactory: (config: AppConfig) => ({
        // In Redis when configured, so that the limit holds across replicas; else in this
        // replica's memory, at a constant cost per request (sliding-window-storage.ts).
        storage: config.REDIS_URL
          ? new FailOpenRedisStorage(config.REDIS_URL)
          : new SlidingWindowStorage(),
        throttlers: [
          {
            name: 'default',
            ttl: config.RATE_LIMIT_WINDOW_MS,
            limit: (context) =>
              Reflect.getMetadata(IS_PUBLIC, context.getHandler()) ||
              Reflect.getMetadata(IS_PUBLIC, context.getClass())
                ? config.RATE_LIMIT_PER_IP
                : config.RATE_LIMIT_PER_USER,
          },
          {
            name: 'create',
            ttl: config.RATE_LIMIT_WINDOW_MS,
            limit: config.RATE_LIMIT_ORDER_CREATION,
            skipIf: (context) => !Reflect.getMetadata(ORDER_CREATION_LIMIT, context.getHandler()),
          },
        ],
      }),
    }),
  ],
  providers: [RateLimitGuard, IpRateLimit],
  exports: [RateLimitGuard, IpRateLimit],
})
export class ThrottlingModule {}
