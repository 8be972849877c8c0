package api

import (
	"bytes"
	"encoding/csv"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/cst-firenze/helpdesk/domain"
)

// wantsCSV picks JSON or CSV from an Accept header, as RFC 9110 says: each
// type takes the q of the most specific range that matches it, the higher
// q wins, and JSON wins a tie (it is the default, and what an absent
// header or */* gets). Neither acceptable is a 406.
func wantsCSV(accept string) (bool, error) {
	if strings.TrimSpace(accept) == "" {
		return false, nil
	}
	type best struct {
		q    float64
		spec int // 0 for */*, 1 for type/*, 2 for the exact type
	}
	jsonQ, csvQ := best{q: -1, spec: -1}, best{q: -1, spec: -1}
	consider := func(b *best, q float64, spec int) {
		if spec > b.spec {
			*b = best{q: q, spec: spec}
		}
	}
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if q, err = strconv.ParseFloat(v, 64); err != nil || q < 0 || q > 1 {
				continue
			}
		}
		switch mt {
		case "*/*":
			consider(&jsonQ, q, 0)
			consider(&csvQ, q, 0)
		case "application/*":
			consider(&jsonQ, q, 1)
		case "text/*":
			consider(&csvQ, q, 1)
		case "application/json":
			consider(&jsonQ, q, 2)
		case "text/csv":
			consider(&csvQ, q, 2)
		}
	}
	if jsonQ.q <= 0 && csvQ.q <= 0 {
		return false, &domain.Error{Code: codeNotAcceptable, Message: "reports are available as application/json or text/csv; the Accept header allows neither"}
	}
	return csvQ.q > jsonQ.q, nil
}

// csvFormat writes the cells of a report. Italian spreadsheets want ';'
// between fields and ',' before decimals; no cell has a thousands
// separator, so every spreadsheet reads the numbers as numbers.
type csvFormat struct{ italian bool }

func (f csvFormat) int(v int64) string { return strconv.FormatInt(v, 10) }

// num writes a number with prec decimals (-1: as many as it needs); nil
// is an empty cell.
func (f csvFormat) num(v *float64, prec int) string {
	if v == nil {
		return ""
	}
	s := strconv.FormatFloat(*v, 'f', prec, 64)
	if f.italian {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

func (f csvFormat) optInt(v *int64) string {
	if v == nil {
		return ""
	}
	return f.int(*v)
}

func (f csvFormat) str(v *string) string {
	if v == nil {
		return ""
	}
	return *v
}

// writeCSV answers with a header row and one row per group.
func writeCSV(c *gin.Context, filename string, f csvFormat, header []string, rows [][]string) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if f.italian {
		w.Comma = ';'
	}
	_ = w.Write(header) // a bytes.Buffer does not fail
	_ = w.WriteAll(rows)
	c.Header("Content-Disposition", `attachment; filename="`+filename+`"`)
	c.Data(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}
