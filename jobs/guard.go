package jobs

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
)

// Guard keeps webhooks away from the service's own network (SSRF): URLs
// whose host resolves to a loopback, link-local or private address are
// refused at registration, and the same rule is checked again on the
// address actually dialled, so a DNS answer that changes later does not
// get through. AllowPrivate (HELPDESK_WEBHOOK_ALLOW_PRIVATE) lifts it.
type Guard struct {
	AllowPrivate bool
	Resolver     *net.Resolver // nil: net.DefaultResolver
}

// CheckURL refuses a URL whose host resolves to a forbidden address
// (app.URLGuard).
func (g *Guard) CheckURL(ctx context.Context, rawURL string) error {
	if g.AllowPrivate {
		return nil
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return domain.Invalid("the webhook is not valid", domain.FieldError{Field: "url", Detail: "is not a URL"})
	}
	host := u.Hostname()
	var addrs []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{ip}
	} else {
		r := g.Resolver
		if r == nil {
			r = net.DefaultResolver
		}
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if addrs, err = r.LookupNetIP(ctx, "ip", host); err != nil || len(addrs) == 0 {
			return &domain.Error{Code: domain.CodeUnprocessable, Message: fmt.Sprintf("the host %q of the webhook URL does not resolve", host),
				Fields: []domain.FieldError{{Field: "url", Detail: "host does not resolve"}}}
		}
	}
	for _, a := range addrs {
		if domain.ForbiddenAddress(a) {
			return &domain.Error{Code: domain.CodeUnprocessable,
				Message: fmt.Sprintf("the webhook URL resolves to %s, a loopback, link-local or private address; set HELPDESK_WEBHOOK_ALLOW_PRIVATE=true to allow it", a),
				Fields:  []domain.FieldError{{Field: "url", Detail: "resolves to a private address"}}}
		}
	}
	return nil
}

// control refuses, at dial time, a connection to a forbidden address.
func (g *Guard) control(_, address string, _ syscall.RawConn) error {
	if g.AllowPrivate {
		return nil
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("webhook dial %s: %w", address, err)
	}
	if domain.ForbiddenAddress(ap.Addr()) {
		return fmt.Errorf("webhook dial refused: %s is a loopback, link-local or private address", ap.Addr())
	}
	return nil
}

// Client is an HTTP client whose every connection passes the guard; it
// uses no proxy from the environment and follows no redirect, so the
// request goes where the registered URL says.
func (g *Guard) Client(timeout time.Duration) *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second, Control: g.control}
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			Proxy: nil, DialContext: d.DialContext, ForceAttemptHTTP2: true,
			MaxIdleConns: 20, IdleConnTimeout: 90 * time.Second, TLSHandshakeTimeout: 10 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
