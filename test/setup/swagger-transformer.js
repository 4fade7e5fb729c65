// Lets ts-jest apply the same Swagger CLI plugin as `nest build` (see nest-cli.json).
const transformer = require('@nestjs/swagger/plugin');

module.exports.name = 'nestjs-swagger-transformer';
module.exports.version = 1;
module.exports.factory = (cs) =>
  transformer.before({ introspectComments: true, classValidatorShim: true }, cs.program);
