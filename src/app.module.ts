import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { AppController } from './app.controller';
import { AuthModule } from './auth/auth.module';
import { JwtAuthGuard, RolesGuard } from './auth/guards';
import { ProblemDetailsFilter } from './common/errors/problem-details.filter';
import { createValidationPipe } from './common/validation';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { ReadReplicasModule } from './database/read-replicas.module';
import { HealthModule } from './health/health.module';
import { LoggingModule } from './logging/logging.module';
import { MetricsModule } from './metrics/metrics.module';
import { OrdersModule } from './orders/orders.module';
import { ProductClientModule } from './product-client/product-client.module';
import { RateLimitGuard } from './throttling/rate-limit.guard';
import { ThrottlingModule } from './throttling/throttling.module';

// Global pipes, filters and guards are providers here (not set in main.ts), so that every
// application built from this module, the e2e suite's included, behaves like production.
@Module({
  imports: [
    ConfigModule,
    LoggingModule,
    MetricsModule,
    ScheduleModule.forRoot(),
    DatabaseModule,
    ReadReplicasModule,
    AuthModule,
    ThrottlingModule,
    HealthModule,
    ProductClientModule,
    OrdersModule,
  ],
  controllers: [AppController],
  providers: [
    { provide: APP_PIPE, useFactory: createValidationPipe },
    { provide: APP_FILTER, useClass: ProblemDetailsFilter },
    // In this order: who is calling, may their role do this, have they called too often.
    { provide: APP_GUARD, useExisting: JwtAuthGuard },
    { provide: APP_GUARD, useExisting: RolesGuard },
    { provide: APP_GUARD, useExisting: RateLimitGuard },
  ],
})
export class AppModule {}
