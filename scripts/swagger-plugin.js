/**
 * The Swagger CLI plugin (@nestjs/swagger/plugin), in one place for the build (scripts/build.js)
 * and for ts-jest (jest.config.js). It adds what the served OpenAPI document says about the DTOs
 * and controllers (types, required, class-validator limits, JSDoc descriptions and summaries), so
 * every compilation of the service must apply it, with these options.
 */
const { before } = require('@nestjs/swagger/plugin');

const OPTIONS = { introspectComments: true, classValidatorShim: true };

/** The `before` transformer for a TypeScript program (the plugin reads its types). */
const swaggerTransformer = (program) => before({ ...OPTIONS }, program);

// ts-jest's AST transformer interface (its `astTransformers.before` loads this file).
module.exports = {
  swaggerTransformer,
  name: 'nestjs-swagger-transformer',
  version: 1,
  factory: (tsCompiler) => swaggerTransformer(tsCompiler.program),
};
