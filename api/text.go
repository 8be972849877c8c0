package api

import (
	"reflect"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/cst-firenze/helpdesk/domain"
)

// textErrors walks a decoded request (struct, pointers, slices, maps) and
// names every text field whose content domain.TextProblem refuses, by its
// JSON path (items.0.subject).
func textErrors(v any, line int) []domain.FieldError {
	var fe []domain.FieldError
	walkText(reflect.ValueOf(v), "", func(path, s string) {
		if d := domain.TextProblem(s, domain.IsFreeText(path)); d != "" {
			fe = append(fe, domain.FieldError{Line: line, Field: path, Detail: d})
		}
	})
	return fe
}

func walkText(v reflect.Value, path string, visit func(path, s string)) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkText(v.Elem(), path, visit)
		}
	case reflect.String:
		visit(path, v.String())
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			walkText(v.Index(i), join(path, strconv.Itoa(i)), visit)
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			if iter.Key().Kind() == reflect.String {
				visit(path, iter.Key().String())
			}
			walkText(iter.Value(), join(path, iter.Key().String()), visit)
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if f.Anonymous && f.Tag.Get("json") == "" {
				walkText(v.Field(i), path, visit)
				continue
			}
			walkText(v.Field(i), join(path, name), visit)
		}
	}
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// rejectControlParams refuses path and query parameters holding control
// or bidirectional characters with a 400 that names the parameter, before
// any handler passes them to the database (PostgreSQL refuses NUL).
func rejectControlParams(c *gin.Context) {
	var fe []domain.FieldError
	for _, p := range c.Params {
		if d := domain.TextProblem(p.Value, false); d != "" {
			fe = append(fe, domain.FieldError{Field: p.Key, Detail: d})
		}
	}
	for k, vs := range c.Request.URL.Query() {
		for _, v := range append([]string{k}, vs...) {
			if d := domain.TextProblem(v, false); d != "" {
				fe = append(fe, domain.FieldError{Field: k, Detail: d})
				break
			}
		}
	}
	if len(fe) > 0 {
		fail(c, domain.Invalid("a parameter holds characters that are not allowed", fe...))
		return
	}
	c.Next()
}
