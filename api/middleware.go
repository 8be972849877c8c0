package api

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/cst-firenze/helpdesk/domain"
)

const requestIDKey = "request_id"

func requestID(c *gin.Context) string { return c.GetString(requestIDKey) }

// withRequestID takes a sane X-Request-Id from the client or makes one, and
// echoes it, so a user's report can be matched with the logs.
func withRequestID(c *gin.Context) {
	id := c.GetHeader("X-Request-Id")
	if !validRequestID(id) {
		var b [12]byte
		_, _ = rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	}
	c.Set(requestIDKey, id)
	c.Header("X-Request-Id", id)
	c.Next()
}

const loggerKey = "helpdesk.logger"

// withLogger makes the configured logger reachable from fail, which every
// handler calls with only the gin context.
func (s *Server) withLogger(c *gin.Context) {
	c.Set(loggerKey, s.cfg.Logger)
	c.Next()
}

// loggerOf is the server's logger; outside a request, the default one.
func loggerOf(c *gin.Context) *slog.Logger {
	if l, ok := c.Get(loggerKey); ok {
		return l.(*slog.Logger)
	}
	return slog.Default()
}

func validRequestID(id string) bool {
	if len(id) < 8 || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// recovery turns a panic into a logged 500 problem.
func recovery(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			fail(c, fmt.Errorf("panic: %v", v))
		}
	}()
	c.Next()
}

// Metrics is the Prometheus handler. It is not routed on the API's
// listener: cmd serves it on its own address (HELPDESK_METRICS_ADDR), so
// that the public listener does not reveal traffic and runtime figures.
func (s *Server) Metrics() http.Handler {
	return promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{})
}

type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "helpdesk_http_requests_total", Help: "HTTP requests by route and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "helpdesk_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"method", "route"}),
	}
	reg.MustRegister(m.requests, m.duration, collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// observe logs every request with its id and records its metrics, labelled
// by route template so that ids do not explode the series.
func (s *Server) observe(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	status := c.Writer.Status()
	elapsed := time.Since(start)
	s.metrics.requests.WithLabelValues(c.Request.Method, route, strconv.Itoa(status)).Inc()
	s.metrics.duration.WithLabelValues(c.Request.Method, route).Observe(elapsed.Seconds())
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	attrs := []slog.Attr{
		slog.String("request_id", requestID(c)), slog.String("method", c.Request.Method),
		slog.String("route", route), slog.Int("status", status),
		slog.Duration("elapsed", elapsed), slog.String("client", c.ClientIP()),
	}
	if p, ok := principalOf(c); ok {
		attrs = append(attrs, slog.Int64("user_id", p.UserID))
	}
	s.cfg.Logger.LogAttrs(c.Request.Context(), level, "request", attrs...)
}

func notFoundRoute(c *gin.Context) {
	failf(c, domain.CodeNotFound, "no route %s %s", c.Request.Method, c.Request.URL.Path)
}

func methodNotAllowed(c *gin.Context) {
	fail(c, &domain.Error{Code: codeMethodNotAllowed, Message: fmt.Sprintf("method %s is not allowed here", c.Request.Method)})
}
