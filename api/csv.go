package api

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/cst-firenze/helpdesk/domain"
)

// wantsCSV picks JSON or CSV for a report from an Accept header; neither
// acceptable is a 406.
func wantsCSV(accept string) (bool, error) {
	mt, ok := negotiate(accept, "application/json", "text/csv")
	if !ok {
		return false, &domain.Error{Code: codeNotAcceptable, Message: "reports are available as application/json or text/csv; the Accept header allows neither"}
	}
	return mt == "text/csv", nil
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
