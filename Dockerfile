# syntax=docker/dockerfile:1
# Cloakroom's production image: compiled JavaScript, production dependencies
# only, running as the unprivileged "node" user (uid 1000).
ARG NODE_VERSION=26

# build: compile TypeScript to dist/, and the static assets to dist/public/
# (content-hashed names, brotli and gzip made once: tools/build-assets.ts)
FROM node:${NODE_VERSION}-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY public ./public
COPY tools/build-assets.ts ./tools/
RUN npm run build

# demo-provider: the local OpenID provider of development, for the demo in
# Compose only (docker-compose.yml, profile demo-provider; docs/deploying.md):
# oidc-provider is a development dependency, hence this stage on top of the
# build's node_modules. openssl makes its CA and certificate on first start
# (tools/demo-oidc-provider.ts), into the two folders below, volumes in Compose
# that start out owned by the "node" user. Never the production image.
FROM build AS demo-provider
# openssl unpinned: Debian drops a package's old versions as it updates them
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends openssl \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /demo-provider/keys /demo-provider/ca \
 && chown 1000:1000 /demo-provider/keys /demo-provider/ca \
 && chmod 700 /demo-provider/keys
COPY tools/demo-oidc-provider.ts ./tools/
USER 1000:1000
EXPOSE 8443
CMD ["node", "--import", "tsx", "tools/demo-oidc-provider.ts"]

# deps: production dependencies only (no TypeScript, test tools, local database
# or development mail catcher: the server loads smtp-server and mailparser only
# without SMTP_URL, which production refuses)
FROM node:${NODE_VERSION}-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# the final image
FROM node:${NODE_VERSION}-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY views ./views
# the server serves dist/public/; public/ is what it would prepare them from
# at startup without a build
COPY public ./public
# the image's unprivileged "node" user, by number: a runtime can then tell it
# is not root without looking the name up (Kubernetes' runAsNonRoot, say)
USER 1000:1000
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/server.js"]
