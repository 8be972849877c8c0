package domain

import "strings"

// TextProblem says what is wrong with a piece of client text, or "". Every
// text refuses NUL and the other C0 control characters (PostgreSQL cannot
// store NUL, and none belongs in a help-desk record); free text, such as a
// description or a reply, may hold tabs and line breaks. Names and codes
// (one-line text) also refuse the Unicode bidirectional controls, which
// make a name read differently from what it is ("Trojan Source").
func TextProblem(s string, free bool) string {
	for _, r := range s {
		switch {
		case free && (r == '\t' || r == '\n' || r == '\r'):
		case r < 0x20 || r == 0x7f:
			if free {
				return "must not contain control characters other than tab and line breaks"
			}
			return "must not contain control characters (tabs and line breaks included)"
		case !free && isBidiControl(r):
			return "must not contain Unicode bidirectional control characters"
		}
	}
	return ""
}

func isBidiControl(r rune) bool {
	return r == 0x061c || r == 0x200e || r == 0x200f || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

// FreeTextFields are the wire names of the fields that hold free text
// (several lines); every other text field is a name, code or value. A
// ticket's subject may have come from a multi-line mail subject, so it
// counts as free text.
var FreeTextFields = []string{"subject", "description", "body", "reason", "outcome", "password", "text"}

// IsFreeText reports whether a field of that wire name holds free text.
func IsFreeText(field string) bool {
	if i := strings.LastIndexByte(field, '.'); i >= 0 {
		field = field[i+1:]
	}
	return contains(FreeTextFields, field)
}
