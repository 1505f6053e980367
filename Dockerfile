# espocrm-admin-mcp over Streamable HTTP, for chat hosts and shared deployments.
#
#   docker build -t espocrm-admin-mcp .
#   docker run --rm -p 3000:3000 \
#     -v "$PWD/tenants.json:/config/tenants.json:ro" \
#     --env-file ./espocrm.env \
#     espocrm-admin-mcp
#
# tenants.json must have an "http" section with tokens or JWT settings: the server refuses to listen on
# 0.0.0.0 without authentication. Secrets come from the environment (--env-file, "env:NAME" references)
# or from mounted files ("file:/run/secrets/NAME", mode 0600, owned by uid 1000); none is in the image,
# and there is no OS keychain in a container. See docs/packaging.md.

ARG NODE_IMAGE=node:22-alpine

# -- build: compile TypeScript with the dev dependencies ----------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# The build writes dist/tools/tool-manifest.json after tsc (the tools' listing, read at start).
COPY scripts/gen-tool-manifest.mjs ./scripts/gen-tool-manifest.mjs
RUN npm run build

# -- runtime: production dependencies and the compiled server only ------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    ESPOCRM_MCP_CONFIG=/config/tenants.json \
    XDG_STATE_HOME=/home/node/.local/state
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY scripts/healthcheck.mjs ./scripts/healthcheck.mjs
# The bundled blueprints (e.g. "transport"), found by name when the blueprints folder has none.
COPY blueprints ./blueprints
COPY README.md LICENSE tenants.example.json ./
# The image's own user (uid 1000), never root. The audit log goes to $XDG_STATE_HOME: mount a volume
# there (or set "audit.path" in tenants.json) to keep it.
RUN mkdir -p /home/node/.local/state && chown -R node:node /home/node/.local
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["node", "scripts/healthcheck.mjs"]
ENTRYPOINT ["node", "dist/cli.js"]
CMD ["serve", "--http", "--host", "0.0.0.0", "--port", "3000"]
