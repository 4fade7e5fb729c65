import { Global, Module } from '@nestjs/common';
import { ConfigModule as NestConfigModule } from '@nestjs/config';
import { appConfig } from './app.config';

@Global()
@Module({
  imports: [
    NestConfigModule.forRoot({
      // .env is a developer convenience; tests must not depend on one lying around.
      ignoreEnvFile: process.env.NODE_ENV === 'test',
      load: [appConfig],
    }),
  ],
  exports: [NestConfigModule],
})
export class ConfigModule {}
