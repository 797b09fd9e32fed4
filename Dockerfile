# syntax=docker/dockerfile:1
# One image for every subcommand: `docker run IMAGE worker|batch run|generate|setup ...`.
# Debian (glibc), not Alpine: @duckdb/node-api ships prebuilt glibc bindings.
# Node.js 24 (LTS, supported to 2028-04-30); the code also runs on Node.js 20 and later.
ARG NODE_IMAGE=node:24-bookworm-slim

# Compile: every dependency (tsc and tsx are dev ones), then TypeScript to JavaScript in dist/.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build

# Production dependencies only, exactly as the lock file pins them. No scripts: `prepare` builds,
# which needs the dev dependencies; the build stage did it.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
# tini as PID 1 forwards SIGTERM so the worker can drain before Cloud Run stops it.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
  PORT=8080
WORKDIR /app
# Compiled JavaScript and its dependencies, owned by root: the app user can run them, not change them.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
USER node
EXPOSE 8080
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/bin/orderflow.js"]
CMD ["--help"]
