package export

import "testing"

// TestNeutraliseFormulaCells: cells a spreadsheet would run as a formula
// get a leading apostrophe; numbers, negative ones included, stay numbers.
func TestNeutraliseFormulaCells(t *testing.T) {
	for in, want := range map[string]string{
		`=HYPERLINK("http://x","y")`: `'=HYPERLINK("http://x","y")`,
		"+1+1":                       "'+1+1",
		"@SUM(A1)":                   "'@SUM(A1)",
		"-1-1":                       "'-1-1",
		"-cmd|' /C calc'!A0":         "'-cmd|' /C calc'!A0",
		"\tx":                        "'\tx",
		"-19":                        "-19",
		"-18,5":                      "-18,5",
		"-0.25":                      "-0.25",
		"firenze":                    "firenze",
		"":                           "",
	} {
		if got := Neutralise(in); got != want {
			t.Errorf("Neutralise(%q): got %q, want %q", in, got, want)
		}
	}
}
