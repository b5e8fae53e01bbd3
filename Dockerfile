# pidscope agent, hub and web UI in one image (the hub: `node apps/hub/dist/main.js`).
#
# There is no registry here: both stages start from pidscope/node:local, which
# `node apps/agent/dist/docker/imagesCli.js` imports from this machine's node, npm, their shared
# libraries and busybox. Two stages run `npm ci` against the npm registry, so build with the
# host network (`docker build --network host .`; docker-compose.yml sets `build.network: host`).

# The agent's production dependencies only (the UI ships as static files). A stage of its own so
# that it is rebuilt only when a package.json or the lockfile changes.
FROM pidscope/node:local AS prod-deps
WORKDIR /src
COPY package.json package-lock.json ./
COPY packages/procfs/package.json packages/procfs/
COPY packages/protocol/package.json packages/protocol/
COPY packages/history/package.json packages/history/
COPY apps/agent/package.json apps/agent/
COPY apps/hub/package.json apps/hub/
COPY apps/web/package.json apps/web/
COPY e2e/package.json e2e/
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund -w @pidscope/agent -w @pidscope/hub

FROM pidscope/node:local AS build
WORKDIR /src
COPY package.json package-lock.json turbo.json tsconfig.base.json ./
COPY packages/procfs/package.json packages/procfs/
COPY packages/protocol/package.json packages/protocol/
COPY packages/history/package.json packages/history/
COPY apps/agent/package.json apps/agent/
COPY apps/hub/package.json apps/hub/
COPY apps/web/package.json apps/web/
COPY e2e/package.json e2e/
RUN npm ci --no-audit --no-fund
COPY packages packages
COPY apps apps
ENV TURBO_TELEMETRY_DISABLED=1
RUN npx turbo run build --filter=@pidscope/hub... --filter=@pidscope/web --output-logs=errors-only

# Runtime: node, the agent's and hub's production node_modules, the built packages and the UI's static files.
FROM pidscope/node:local
WORKDIR /app
ENV NODE_ENV=production
COPY --from=prod-deps /src/node_modules node_modules
COPY --from=build /src/package.json package.json
COPY --from=build /src/packages/procfs/package.json packages/procfs/package.json
COPY --from=build /src/packages/procfs/dist packages/procfs/dist
COPY --from=build /src/packages/protocol/package.json packages/protocol/package.json
COPY --from=build /src/packages/protocol/dist packages/protocol/dist
COPY --from=build /src/packages/history/package.json packages/history/package.json
COPY --from=build /src/packages/history/dist packages/history/dist
COPY --from=build /src/apps/agent/package.json apps/agent/package.json
COPY --from=build /src/apps/agent/dist apps/agent/dist
COPY --from=build /src/apps/hub/package.json apps/hub/package.json
COPY --from=build /src/apps/hub/dist apps/hub/dist
COPY --from=build /src/apps/web/dist apps/web/dist
# Runs as root: reading every process's /proc files and signalling them needs it. docker-compose.yml
# drops every capability but the few the agent uses.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PIDSCOPE_PORT || 7070) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "apps/agent/dist/main.js"]
