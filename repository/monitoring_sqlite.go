package repository

import (
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/cst-firenze/helpdesk/domain"
)

// On SQLite an import's records go to the database as one JSON array per
// statement, read back by json_each: the driver parses a statement again
// at every exec and matches each bound parameter against the whole
// argument list, so a multi-row INSERT costs per row a parse of its VALUES
// and a bind of twelve parameters; one JSON text costs one parse and one
// bind for a thousand records.

// sqliteRowsPerJSON is how many records one INSERT ... SELECT FROM
// json_each carries.
const sqliteRowsPerJSON = 1000

// sqliteTimeLayout is how the SQLite driver writes a time.Time parameter
// (its default write format), so that records written as JSON compare
// equal to, and order with, times bound as parameters.
const sqliteTimeLayout = "2006-01-02 15:04:05.999999999-07:00"

// sqliteJSONInsert reads the records of one JSON array, in its order, each
// an array of monitoringEventColumns' values.
var sqliteJSONInsert = "INSERT OR IGNORE INTO monitoring_events (" + monitoringEventColumns + ") " +
	"SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6, value->>7, value->>8, value->>9, value->>10, value->>11 " +
	"FROM jsonb_each(?) ORDER BY key"

// jsonable reports whether the record can travel as JSON text unchanged:
// its strings are UTF-8 without NUL bytes and its response time is finite.
func jsonable(e domain.MonitoringEvent) bool {
	for _, s := range [...]string{string(e.Kind), e.Host, e.Service, e.State, e.Output} {
		if !utf8.ValidString(s) {
			return false
		}
		for i := 0; i < len(s); i++ {
			if s[i] == 0 {
				return false
			}
		}
	}
	return e.Response == nil || (!math.IsInf(*e.Response, 0) && !math.IsNaN(*e.Response))
}

// appendEventJSON appends the record as a JSON array of
// monitoringEventColumns' values (booleans as 1 and 0, as the driver binds
// them).
func appendEventJSON(b []byte, e domain.MonitoringEvent) []byte {
	at := utc(e.At)
	local := at.In(rome)
	b = append(b, '[', '"')
	b = at.AppendFormat(b, sqliteTimeLayout)
	b = append(b, '"', ',')
	b = strconv.AppendInt(b, int64(local.Year()), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(local.Month()), 10)
	for _, s := range [...]string{string(e.Kind), e.Host, e.Service, e.State} {
		b = appendJSONString(append(b, ','), s)
	}
	b = append(b, ',', boolDigit(e.Hard), ',')
	b = strconv.AppendInt(b, int64(e.Attempt), 10)
	b = append(b, ',', boolDigit(e.IsAlert()), ',')
	b = appendJSONString(b, e.Output)
	b = append(b, ',')
	if e.Response == nil {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendFloat(b, *e.Response, 'g', -1, 64)
	}
	return append(b, ']')
}

func boolDigit(v bool) byte {
	if v {
		return '1'
	}
	return '0'
}

// appendJSONString appends s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// putJSON queues a record in the JSON array, and sends the array when it
// is full. A record that JSON would change goes alone as parameters,
// after the ones queued before it.
func (w *sqlMonitoringWriter) putJSON(e domain.MonitoringEvent) error {
	if !jsonable(e) {
		if err := w.execJSON(); err != nil {
			return err
		}
		return w.exec(1, monitoringEventValues(e))
	}
	if w.jsonRows == 0 {
		w.json = append(w.json[:0], '[')
	} else {
		w.json = append(w.json, ',')
	}
	w.json = appendEventJSON(w.json, e)
	if w.jsonRows++; w.jsonRows == sqliteRowsPerJSON {
		return w.execJSON()
	}
	return nil
}

// execJSON inserts the queued JSON array. It is bound as text: a BLOB
// would be read as SQLite's binary JSONB.
func (w *sqlMonitoringWriter) execJSON() error {
	if w.jsonRows == 0 {
		return nil
	}
	w.jsonRows = 0
	res, err := w.db.Statement.ConnPool.ExecContext(w.ctx, sqliteJSONInsert, string(append(w.json, ']')))
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	w.stored += n
	return err
}
