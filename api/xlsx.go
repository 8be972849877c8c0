package api

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"
)

// writeXLSX answers with the report as one Excel sheet: the same header
// (Italian under locale=it) and rows as the CSV, with every numeric cell
// stored as a number, so the spreadsheet sums and formats it in the
// reader's own locale. Text cells are stored as text, never as formulas.
func writeXLSX(c *gin.Context, filename string, f csvFormat, header []string, rows [][]string) {
	if f.italian {
		header = italianHeader(header)
	}
	book := excelize.NewFile()
	defer book.Close()
	sheet := "report"
	if err := book.SetSheetName("Sheet1", sheet); err != nil {
		fail(c, err)
		return
	}
	sw, err := book.NewStreamWriter(sheet)
	if err != nil {
		fail(c, err)
		return
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
		fail(c, err)
		return
	}
	for i, row := range rows {
		cells := make([]any, len(row))
		for j, cell := range row {
			cells[j] = xlsxValue(cell, f.italian)
		}
		if err := write(i+2, cells); err != nil {
			fail(c, err)
			return
		}
	}
	if err := sw.Flush(); err != nil {
		fail(c, err)
		return
	}
	var buf bytes.Buffer
	if err := book.Write(&buf); err != nil {
		fail(c, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="`+filename+`"`)
	c.Data(http.StatusOK, mediaXLSX, buf.Bytes())
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
