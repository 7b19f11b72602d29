# Foyer: one stateless node. Build: docker build -t foyer .   Run: see docker-compose.yml and
# docs/deployment.md. (Written to match the repository layout; this repository's CI machine has no
# Docker engine, so it is checked by reading, not by building.)

# --- build: install everything, typecheck and bundle (esbuild), then drop the dev dependencies -------------
FROM node:22-bookworm-slim AS build
# better-sqlite3 falls back to compiling itself when no prebuilt binary fits the platform.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# Dependencies first (a layer that survives source changes); the root `prepare` (the build) runs later.
RUN npm ci --ignore-scripts && npm rebuild better-sqlite3
COPY tsconfig.json ./
COPY scripts ./scripts
COPY locales ./locales
COPY src ./src
COPY migrations ./migrations
RUN npm run build && npm prune --omit=dev

# --- runtime: node, the bundled code, the templates and static files, nothing else -------------
FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    PORT=3000 \
    FOYER_CONFIG=/etc/foyer
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY views ./views
COPY public ./public
COPY locales ./locales
COPY docs/openapi.yaml ./docs/openapi.yaml
# The example configuration; mount your own at /etc/foyer (a file or a folder of *.yaml).
COPY config /etc/foyer
# data/ holds the SQLite file (single-node default) and the mail outbox when no SMTP is set.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000
# /healthz: the process answers. Orchestrators should route traffic on /readyz (see the guide).
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# SIGTERM drains in-flight requests (server.shutdownGraceSeconds) before exiting.
STOPSIGNAL SIGTERM
# A young generation of 2 x 4 MB instead of V8's 2 x 16 MB: about 23 MB less RSS per node (docs/benchmarks.md, memory).
CMD ["node", "--max-semi-space-size=4", "dist/src/main.js"]
