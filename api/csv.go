package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/export"
)

// Media types of reports: JSON, and two kinds of spreadsheet.
const (
	mediaCSV  = export.MediaCSV
	mediaXLSX = export.MediaXLSX
)

var reportMediaTypes = []string{"application/json", mediaCSV, mediaXLSX}

// wantsCSV tells from an Accept header whether a report is wanted as a
// spreadsheet (CSV or XLSX; writeCSV picks which) rather than JSON; none
// of them acceptable is a 406.
func wantsCSV(accept string) (bool, error) {
	mt, ok := negotiate(accept, reportMediaTypes...)
	if !ok {
		return false, &domain.Error{Code: codeNotAcceptable, Message: "reports are available as application/json, text/csv or " + mediaXLSX + "; the Accept header allows none of them"}
	}
	return mt != "application/json", nil
}

// csvFormat writes the cells of a report (export.Format, shared with the
// pages' downloads); the report-specific rows are methods here.
type csvFormat struct{ export.Format }

// writeCSV answers with the report as CSV, or as XLSX when the Accept
// header prefers it: the same header and rows either way.
func writeCSV(c *gin.Context, filename string, f csvFormat, header []string, rows [][]string) {
	if mt, _ := negotiate(c.GetHeader("Accept"), reportMediaTypes...); mt == mediaXLSX {
		b, err := f.XLSX(header, rows)
		if err != nil {
			fail(c, err)
			return
		}
		c.Header("Content-Disposition", `attachment; filename="`+strings.TrimSuffix(filename, ".csv")+".xlsx"+`"`)
		c.Data(http.StatusOK, mediaXLSX, b)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="`+filename+`"`)
	c.Data(http.StatusOK, "text/csv; charset=utf-8", f.CSV(header, rows))
}
