# Build a static binary, then ship it alone on a distroless base.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/helpdesk ./cmd/helpdesk

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
