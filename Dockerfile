# syntax=docker/dockerfile:1
# One image for every subcommand: `docker run IMAGE worker|batch run|generate|setup ...`.
# Debian (glibc), not Alpine: @duckdb/node-api ships prebuilt glibc bindings.
ARG NODE_IMAGE=node:20-bookworm-slim

# Production dependencies only, exactly as the lock file pins them. tsx is one of them:
# the TypeScript sources run as they are, there is no build step.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
# tini as PID 1 forwards SIGTERM so the worker can drain before Cloud Run stops it.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
  PORT=8080
WORKDIR /app
# Code and dependencies stay owned by root: the app user can run them, not change them.
COPY --from=deps /app/node_modules ./node_modules
COPY . .
USER node
EXPOSE 8080
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/bin/orderflow.js"]
CMD ["--help"]
