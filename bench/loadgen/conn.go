package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

// httpConn is one client's own keep-alive HTTP/1.1 connection: the
// request is written by hand into one buffer and the answer is read with
// http.ReadResponse on the same goroutine. net/http's Transport hands
// every request to a read and a write goroutine of the connection, which
// on this 2-core machine cost loadgen about as much CPU per get as
// PostgreSQL's pk select costs pgbench's client several times over; the
// CPU loadgen spends is taken from the server it measures.
type httpConn struct {
	addr string // host:port
	host string // Host header
	c    net.Conn
	br   *bufio.Reader
	wbuf []byte
}

func newHTTPConn(addr string) *httpConn {
	return &httpConn{addr: addr, host: addr}
}

// do sends one request and reads the whole answer, keeping the body only
// when keep is true or the status is not 2xx. A transport error closes the
// connection; the next call dials again.
func (h *httpConn) do(method, path, token string, hdr http.Header, body []byte, keep bool) (int, http.Header, []byte, error) {
	if h.c == nil {
		c, err := net.DialTimeout("tcp", h.addr, 5*time.Second)
		if err != nil {
			return 0, nil, nil, err
		}
		h.c, h.br = c, bufio.NewReaderSize(c, 16<<10)
	}
	st, rh, rb, err := h.roundTrip(method, path, token, hdr, body, keep)
	if err != nil {
		h.close()
	}
	return st, rh, rb, err
}

func (h *httpConn) roundTrip(method, path, token string, hdr http.Header, body []byte, keep bool) (int, http.Header, []byte, error) {
	w := append(h.wbuf[:0], method...)
	w = append(w, ' ')
	w = append(w, path...)
	w = append(w, " HTTP/1.1\r\nHost: "...)
	w = append(w, h.host...)
	w = append(w, "\r\nUser-Agent: helpdesk-loadgen\r\n"...)
	if token != "" {
		w = append(w, "Authorization: Bearer "...)
		w = append(w, token...)
		w = append(w, "\r\n"...)
	}
	for k, vs := range hdr {
		for _, v := range vs {
			w = append(w, k...)
			w = append(w, ": "...)
			w = append(w, v...)
			w = append(w, "\r\n"...)
		}
	}
	if body != nil || method == http.MethodPost {
		w = append(w, "Content-Type: application/json\r\nContent-Length: "...)
		w = strconv.AppendInt(w, int64(len(body)), 10)
		w = append(w, "\r\n"...)
	}
	w = append(w, "\r\n"...)
	w = append(w, body...)
	h.wbuf = w
	if err := h.c.SetDeadline(time.Now().Add(30 * time.Second)); err != nil {
		return 0, nil, nil, err
	}
	if _, err := h.c.Write(w); err != nil {
		return 0, nil, nil, err
	}
	resp, err := http.ReadResponse(h.br, nil)
	if err != nil {
		return 0, nil, nil, err
	}
	var rb []byte
	if keep || resp.StatusCode >= 300 {
		var buf bytes.Buffer
		_, err = buf.ReadFrom(io.LimitReader(resp.Body, 4<<20))
		rb = buf.Bytes()
	} else {
		_, err = io.Copy(io.Discard, resp.Body)
	}
	resp.Body.Close()
	if err != nil {
		return 0, nil, nil, fmt.Errorf("reading the answer: %w", err)
	}
	if resp.Close {
		h.close()
	}
	return resp.StatusCode, resp.Header, rb, nil
}

func (h *httpConn) close() {
	if h.c != nil {
		h.c.Close()
		h.c, h.br = nil, nil
	}
}
