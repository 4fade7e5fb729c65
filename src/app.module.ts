import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { AppController } from './app.controller';
import { AuthModule } from './auth/auth.module';
import { JwtAuthGuard, RolesGuard } from './auth/guards';
import { ProblemDetailsFilter } from './common/errors/problem-details.filter';
import { SafeTextPipe } from './common/safe-text.pipe';
import { createValidationPipe } from './common/validation';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { DatabaseReadyGuard } from './database/database-ready.guard';
import { ReadReplicasModule } from './database/read-replicas.module';
import { EventsModule } from './events/events.module';
import { HealthModule } from './health/health.module';
import { LoggingModule } from './logging/logging.module';
import { MetricsModule } from './metrics/metrics.module';
import { OrdersModule } from './orders/orders.module';
import { PaymentsModule } from './payments/payments.module';
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
    EventsModule,
    OrdersModule,
    PaymentsModule,
  ],
  controllers: [AppController],
  providers: [
    // In this order: text no value may hold, then each route's own rules.
    { provide: APP_PIPE, useClass: SafeTextPipe },
    { provide: APP_PIPE, useFactory: createValidationPipe },
    { provide: APP_FILTER, useClass: ProblemDetailsFilter },
    // In this order: who is calling, may their role do this, have they called too often, is the
    // database there.
    { provide: APP_GUARD, useExisting: JwtAuthGuard },
    { provide: APP_GUARD, useExisting: RolesGuard },
    { provide: APP_GUARD, useExisting: RateLimitGuard },
    { provide: APP_GUARD, useExisting: DatabaseReadyGuard },
  ],
})
export class AppModule {}
