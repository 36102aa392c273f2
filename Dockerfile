# syntax=docker/dockerfile:1
# Build: docker build --build-arg VERSION=1.0.0 -t retention .
# Run:   docker run --rm -e RETENTION_SOURCE_DSN='reporter:pw@tcp(db:3306)/shop' -v "$PWD/out:/out" retention

FROM golang:1.26 AS build
WORKDIR /src
# Modules first, so that a code change does not download them again. The
# go.mod replaces one module with a copy in the repository (see
# extract/embedded/icuregex/README.md): it must be there for the download.
COPY go.mod go.sum ./
COPY extract/embedded/icuregex ./extract/embedded/icuregex
RUN go mod download
COPY . .
ARG VERSION=dev
# .ci/run builds with exactly this line.
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /build/retention .
# Directories the non-root user writes: /out for the reports, /seed for the
# demo's SQL (deploy/docker-compose.yaml). A volume mounted on them starts
# with this ownership.
RUN mkdir -p /dirs/out /dirs/seed

# Static binary with time zone data embedded; no shell, no root.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /build/retention /usr/local/bin/retention
COPY --from=build --chown=nonroot:nonroot /dirs/ /
USER nonroot:nonroot
WORKDIR /home/nonroot
ENTRYPOINT ["/usr/local/bin/retention"]
CMD ["run", "--out", "/out"]
