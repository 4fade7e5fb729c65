import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { JwtAuthGuard, RolesGuard } from './guards';
import { JwtStrategy } from './jwt.strategy';
import { TokenVerifier } from './token-verifier';

@Module({
  imports: [PassportModule],
  providers: [JwtStrategy, JwtAuthGuard, RolesGuard, TokenVerifier],
  exports: [JwtAuthGuard, RolesGuard, TokenVerifier],
})
export class AuthModule {}
