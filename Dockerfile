# syntax=docker/dockerfile:1
# Build a static binary, then ship it alone on a distroless base.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
# VERSION is what `helpdesk version` prints (e.g. --build-arg VERSION=$(git describe --always --dirty)).
ARG VERSION=container
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/helpdesk ./cmd/helpdesk

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/helpdesk /helpdesk
WORKDIR /data
ENV HELPDESK_ADDR=:8080 \
    HELPDESK_DATABASE_URL=/data/helpdesk.db
EXPOSE 8080
USER nonroot:nonroot
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 CMD ["/helpdesk", "healthcheck"]
ENTRYPOINT ["/helpdesk"]
CMD ["serve"]
