// Package export writes report tables as files: CSV (Italian under
// locale=it: ';' between fields, ',' before decimals, a byte order mark
// and Italian headers) and XLSX, the same for the API's downloads and the
// pages'. It also lays out the annual report's tables, so both hand out
// the same files.
package export

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Media types of the files.
const (
	MediaCSV  = "text/csv"
	MediaXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

// Format writes the cells of a report. Italian spreadsheets want ';'
// between fields and ',' before decimals; no cell has a thousands
// separator, so every spreadsheet reads the numbers as numbers.
type Format struct{ Italian bool }

// Int writes an integer.
func (f Format) Int(v int64) string { return strconv.FormatInt(v, 10) }

// Num writes a number with prec decimals (-1: as many as it needs); nil
// is an empty cell.
func (f Format) Num(v *float64, prec int) string {
	if v == nil {
		return ""
	}
	s := strconv.FormatFloat(*v, 'f', prec, 64)
	if f.Italian {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// OptInt writes an integer, nil as an empty cell.
func (f Format) OptInt(v *int64) string {
	if v == nil {
		return ""
	}
	return f.Int(*v)
}

// Str writes a text, nil as an empty cell.
func (f Format) Str(v *string) string {
	if v == nil {
		return ""
	}
	return *v
}

// TotalLabel names the total row.
func (f Format) TotalLabel() string {
	if f.Italian {
		return "totale"
	}
	return "total"
}

// CSV is a header row and one row per group. Under locale=it the file
// starts with a UTF-8 byte order mark (without it Excel reads accents as
// Latin-1) and the header is in Italian.
func (f Format) CSV(header []string, rows [][]string) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if f.Italian {
		buf.WriteString("\ufeff")
		w.Comma = ';'
		header = ItalianHeader(header)
	}
	_ = w.Write(header) // a bytes.Buffer does not fail
	for _, row := range rows {
		out := make([]string, len(row))
		for i, cell := range row {
			out[i] = Neutralise(cell)
		}
		_ = w.Write(out)
	}
	w.Flush()
	return buf.Bytes()
}

// Neutralise keeps a spreadsheet from running a cell as a formula (OWASP
// "CSV injection"): a cell starting with =, +, -, @, tab or carriage
// return gets a leading apostrophe, unless it is a plain number (a
// negative difference must stay a number).
func Neutralise(cell string) string {
	if cell == "" || !strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
		return cell
	}
	if _, err := strconv.ParseFloat(strings.Replace(cell, ",", ".", 1), 64); err == nil && cell[0] == '-' {
		return cell
	}
	return "'" + cell
}

// XLSX is the report as one Excel sheet: the same header (Italian under
// locale=it) and rows as the CSV, with every numeric cell stored as a
// number, so the spreadsheet sums and formats it in the reader's own
// locale. Text cells are stored as text, never as formulas.
func (f Format) XLSX(header []string, rows [][]string) ([]byte, error) {
	if f.Italian {
		header = ItalianHeader(header)
	}
	book := excelize.NewFile()
	defer book.Close()
	sheet := "report"
	if err := book.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	sw, err := book.NewStreamWriter(sheet)
	if err != nil {
		return nil, err
	}
	write := func(n int, cells []any) error {
		ref, err := excelize.CoordinatesToCellName(1, n)
		if err != nil {
			return err
		}
		return sw.SetRow(ref, cells)
	}
	head := make([]any, len(header))
	for i, h := range header {
		head[i] = h
	}
	if err := write(1, head); err != nil {
		return nil, err
	}
	for i, row := range rows {
		cells := make([]any, len(row))
		for j, cell := range row {
			cells[j] = xlsxValue(cell, f.Italian)
		}
		if err := write(i+2, cells); err != nil {
			return nil, err
		}
	}
	if err := sw.Flush(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := book.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// xlsxValue turns a report cell, as the CSV writer formats it, back into a
// number when it is one: an integer, or a decimal with '.' (',' under
// locale=it). Codes such as SLA.6 or 2026-03 stay text; an empty cell is
// left empty.
func xlsxValue(cell string, italian bool) any {
	if cell == "" {
		return nil
	}
	if n, err := strconv.ParseInt(cell, 10, 64); err == nil && (cell == "0" || cell[0] != '0') {
		return n
	}
	num := cell
	if italian {
		num = strings.Replace(num, ",", ".", 1)
	}
	if strings.Count(num, ".") == 1 && !strings.ContainsAny(num, "eE+") {
		if v, err := strconv.ParseFloat(num, 64); err == nil {
			return v
		}
	}
	return cell
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

// ItalianHeader is a header row in Italian.
func ItalianHeader(header []string) []string {
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
