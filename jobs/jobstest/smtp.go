package jobstest

import (
	"bufio"
	"io"
	"mime/quotedprintable"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"

	"github.com/cst-firenze/helpdesk/jobs"
)

// Mail is one message the sink received.
type Mail struct {
	To      string
	Subject string
	Body    string // decoded from quoted-printable
}

// SMTPSink is a local SMTP server that keeps what it is sent: enough of
// RFC 5321 for a client without TLS or authentication.
type SMTPSink struct {
	Addr string
	mu   sync.Mutex
	got  []Mail
}

// NewSMTPSink listens on a free local port until the end of the test.
func NewSMTPSink(t testing.TB) *SMTPSink {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	s := &SMTPSink{Addr: ln.Addr().String()}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *SMTPSink) serve(c net.Conn) {
	defer c.Close()
	tp := textproto.NewConn(c)
	_ = tp.PrintfLine("220 sink ESMTP")
	var to string
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		switch cmd {
		case "EHLO", "HELO":
			_ = tp.PrintfLine("250-sink\r\n250 8BITMIME")
		case "RCPT":
			to = strings.Trim(strings.TrimPrefix(strings.SplitN(line, ":", 2)[1], " "), "<>")
			_ = tp.PrintfLine("250 OK")
		case "DATA":
			_ = tp.PrintfLine("354 go ahead")
			raw, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			s.keep(to, raw)
			_ = tp.PrintfLine("250 OK")
		case "QUIT":
			_ = tp.PrintfLine("221 bye")
			return
		default:
			_ = tp.PrintfLine("250 OK")
		}
	}
}

func (s *SMTPSink) keep(to string, raw []byte) {
	r := textproto.NewReader(bufio.NewReader(strings.NewReader(string(raw))))
	h, _ := r.ReadMIMEHeader()
	body, _ := io.ReadAll(r.R)
	if strings.EqualFold(h.Get("Content-Transfer-Encoding"), "quoted-printable") {
		body, _ = io.ReadAll(quotedprintable.NewReader(strings.NewReader(string(body))))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, Mail{To: to, Subject: h.Get("Subject"), Body: string(body)})
}

// Mails returns what arrived so far.
func (s *SMTPSink) Mails() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.got...)
}

// Config is the SMTP configuration that sends to the sink, without TLS.
func (s *SMTPSink) Config(t testing.TB) jobs.SMTP {
	t.Helper()
	smtp, err := jobs.ParseSMTPURL("smtp://"+s.Addr+"?tls=none", "helpdesk@cst.example")
	if err != nil {
		t.Fatal(err)
	}
	return smtp
}
