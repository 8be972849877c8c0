package repository

import (
	"context"
	"sort"
)

// Columns returns every table of the schema with its column names, sorted,
// so tests can check that both dialects' migrations build the same schema.
func (s *Store) Columns(ctx context.Context) (map[string][]string, error) {
	var rows []struct{ TableName, ColumnName string }
	var q string
	if s.postgres {
		q = `SELECT table_name, column_name FROM information_schema.columns
		     WHERE table_schema = current_schema() AND table_name <> 'goose_db_version'`
	} else {
		q = `SELECT m.name AS table_name, p.name AS column_name
		     FROM sqlite_master m JOIN pragma_table_info(m.name) p
		     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> 'goose_db_version'`
	}
	if err := s.conn(ctx).Raw(q).Scan(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := map[string][]string{}
	for _, r := range rows {
		out[r.TableName] = append(out[r.TableName], r.ColumnName)
	}
	for _, cols := range out {
		sort.Strings(cols)
	}
	return out, nil
}
