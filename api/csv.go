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

// Media types of reports: JSON, and two kinds of spreadsheet.
const (
	mediaCSV  = "text/csv"
	mediaXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
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

// writeCSV answers with a header row and one row per group. Under
// locale=it the file starts with a UTF-8 byte order mark (without it
// Excel reads accents as Latin-1) and the header is in Italian.
func writeCSV(c *gin.Context, filename string, f csvFormat, header []string, rows [][]string) {
	if mt, _ := negotiate(c.GetHeader("Accept"), reportMediaTypes...); mt == mediaXLSX {
		writeXLSX(c, strings.TrimSuffix(filename, ".csv")+".xlsx", f, header, rows)
		return
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if f.italian {
		buf.WriteString("\ufeff")
		w.Comma = ';'
		header = italianHeader(header)
	}
	_ = w.Write(header) // a bytes.Buffer does not fail
	for _, row := range rows {
		out := make([]string, len(row))
		for i, cell := range row {
			out[i] = neutralise(cell)
		}
		_ = w.Write(out)
	}
	w.Flush()
	c.Header("Content-Disposition", `attachment; filename="`+filename+`"`)
	c.Data(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// neutralise keeps a spreadsheet from running a cell as a formula (OWASP
// "CSV injection"): a cell starting with =, +, -, @, tab or carriage
// return gets a leading apostrophe, unless it is a plain number (a
// negative difference must stay a number).
func neutralise(cell string) string {
	if cell == "" || !strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
		return cell
	}
	if _, err := strconv.ParseFloat(strings.Replace(cell, ",", ".", 1), 64); err == nil && cell[0] == '-' {
		return cell
	}
	return "'" + cell
}

// totalLabel names the total row.
func (f csvFormat) totalLabel() string {
	if f.italian {
		return "totale"
	}
	return "total"
}

// italianColumns are the Italian headers of the report columns, in the
// words of the centre's annual report where it has them.
var italianColumns = map[string]string{
	"level": "livello", "status": "stato", "ente": "ente", "service": "servizio", "channel": "canale", "month": "mese",
	"nuovo": "nuovo", "aperto": "aperto", "risolto": "risolto", "non_di_competenza": "non di competenza",
	"gestiti": "gestiti", "resolution_rate": "tasso di risoluzione", "resolved_percent": "% risolti",
	"year": "anno", "previous_year": "anno precedente", "diff_pct": "diff %",
	"code": "codice", "description": "descrizione", "target_minutes": "obiettivo (minuti)", "target_basis": "base",
	"target_text": "atteso", "expected_share": "quota attesa", "measured_share": "quota misurata", "deviation": "scostamento",
	"unit": "unità", "expected": "atteso", "measured": "rilevato", "no_data": "senza dati",
	"met": "rispettati", "breached": "violati", "running": "in corso",
	"tier": "fascia", "count": "interventi", "completed": "completati", "completed_on_time": "completati in tempo",
	"on_time_share": "quota in tempo", "median_working_seconds": "mediana (secondi lavorativi)",
	"p90_working_seconds": "90° percentile (secondi lavorativi)",
	"id":                  "n.", "started_at": "inizio", "intervention_started_at": "inizio intervento", "ended_at": "fine",
	"duration_minutes": "durata (minuti)", "planned": "programmata", "proposed": "proposta", "systems": "sistemi", "enti": "enti",
	"cause": "causa", "public_text": "testo agli utenti", "offices_notice_at": "avviso agli uffici (SLA.9)",
	"users_notice_at": "avviso agli utenti (SLA.10)", "sla9": "SLA.9", "sla10": "SLA.10",
}

func italianHeader(header []string) []string {
	out := make([]string, len(header))
	for i, h := range header {
		base, previous := strings.CutPrefix(h, "previous_")
		if previous && base != "year" {
			if it, ok := italianColumns[base]; ok {
				out[i] = it + " anno precedente"
				continue
			}
		}
		if it, ok := italianColumns[h]; ok {
			out[i] = it
		} else {
			out[i] = h
		}
	}
	return out
}
