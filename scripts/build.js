/**
 * Compiles src/ (tsconfig.build.json) into an emptied dist/, as `nest build` did, with
 * TypeScript's own API: the `tsc` command cannot load the Swagger plugin, a transformer that
 * writes the OpenAPI metadata into the emitted code (scripts/swagger-plugin.js). Exits 1 on any
 * compiler diagnostic. The migrations are compiled apart (`npm run build`).
 *
 * `--watch` (npm run start:dev, after a full build) keeps dist/ and recompiles on change; after
 * the first clean compile it starts `node --watch dist/main.js`, which restarts the service
 * whenever the compiler rewrites its files.
 */
const { spawn } = require('node:child_process');
const { rmSync } = require('node:fs');
const ts = require('typescript');
const { swaggerTransformer } = require('./swagger-plugin');

const CONFIG = 'tsconfig.build.json';

const formatHost = {
  getCanonicalFileName: (fileName) => fileName,
  getCurrentDirectory: ts.sys.getCurrentDirectory,
  getNewLine: () => ts.sys.newLine,
};
const report = (diagnostics) =>
  diagnostics.length > 0 &&
  console.error(ts.formatDiagnosticsWithColorAndContext(diagnostics, formatHost));

function build() {
  const config = ts.getParsedCommandLineOfConfigFile(CONFIG, undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      report([diagnostic]);
      process.exit(1);
    },
  });
  rmSync(config.options.outDir, { recursive: true, force: true });
  const program = ts.createProgram({
    rootNames: config.fileNames,
    options: config.options,
    projectReferences: config.projectReferences,
  });
  const emitted = program.emit(undefined, undefined, undefined, false, {
    before: [swaggerTransformer(program)],
  });
  const diagnostics = [
    ...ts.getPreEmitDiagnostics(program),
    ...emitted.diagnostics,
    ...config.errors,
  ];
  report(diagnostics);
  if (diagnostics.length > 0) {
    console.error(`Found ${diagnostics.length} error(s).`);
    process.exit(1);
  }
}

function watch() {
  const reportStatus = ts.createWatchStatusReporter(ts.sys, true);
  let service;
  const host = ts.createWatchCompilerHost(
    CONFIG,
    undefined,
    ts.sys,
    ts.createEmitAndSemanticDiagnosticsBuilderProgram,
    undefined,
    (diagnostic, newLine, options, errorCount) => {
      reportStatus(diagnostic, newLine, options, errorCount);
      // errorCount comes with the end-of-compilation summary only ("Found 0 errors...").
      if (errorCount === 0 && !service) {
        const args = ['--enable-source-maps', '--watch', 'dist/main.js'];
        service = spawn(process.execPath, args, { stdio: 'inherit' });
        service.on('exit', (code) => process.exit(code ?? 1));
      }
    },
  );
  // Every emit, the first and each one after a change, goes through the plugin.
  const createProgram = host.createProgram;
  host.createProgram = (...args) => {
    const builder = createProgram(...args);
    const emit = builder.emit;
    builder.emit = (file, write, cancel, dtsOnly, custom = {}) =>
      emit(file, write, cancel, dtsOnly, {
        ...custom,
        before: [swaggerTransformer(builder.getProgram()), ...(custom.before ?? [])],
      });
    return builder;
  };
  ts.createWatchProgram(host);
  // Ctrl-C reaches the whole process group, but a SIGTERM to this process alone (a process
  // manager, an editor's stop button) must not leave the service running on its port.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => (service ? service.kill(signal) : process.exit(1)));
  }
}

if (process.argv.includes('--watch')) watch();
else build();
