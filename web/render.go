package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
)

// page is what every template gets.
type page struct {
	Title string
	S     *session
	Path  string
	Data  any
}

// parsePages parses each page template together with the layout.
func parsePages(funcs template.FuncMap) (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	// Files named _*.html hold pieces several pages share.
	shared := []string{"templates/layout.html"}
	partials, err := fs.Glob(templateFS, "templates/_*.html")
	if err != nil {
		return nil, err
	}
	shared = append(shared, partials...)
	out := map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" || strings.HasPrefix(name, "_") {
			continue
		}
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, append(shared, n)...)
		if err != nil {
			return nil, err
		}
		out[name] = t
	}
	return out, nil
}

// render writes a page; a template failure is a bug, logged and shown as
// a plain error rather than half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, s *session, name, title string, data any) {
	var buf bytes.Buffer
	if err := h.pages[name].ExecuteTemplate(&buf, "layout", page{Title: title, S: s, Path: r.URL.Path, Data: data}); err != nil {
		h.cfg.Log.Error("template failed", "page", name, "err", err)
		http.Error(w, "errore interno", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}

var (
	statusLabels = map[domain.Status]string{domain.StatusNuovo: "Nuovo", domain.StatusAperto: "Aperto",
		domain.StatusRisolto: "Risolto", domain.StatusNonDiCompetenza: "Non di competenza"}
	actionLabels = map[domain.Action]string{domain.ActionOpen: "Apertura", domain.ActionTakeInCharge: "Presa in carico",
		domain.ActionReply: "Risposta", domain.ActionNote: "Nota interna", domain.ActionEscalate: "Passaggio al 2° livello",
		domain.ActionResolve: "Risoluzione", domain.ActionCloseNotCompetent: "Chiusura: non di competenza",
		domain.ActionReopen: "Riapertura", domain.ActionWait: "Messa in attesa", domain.ActionResume: "Ripresa dall'attesa"}
	tierLabels    = map[domain.Tier]string{domain.Tier30m: "30 minuti", domain.Tier4h: "4 ore", domain.Tier8h: "8 ore", domain.TierNBD: "giorno lavorativo successivo"}
	serviceLabels = map[string]string{"sito_web": "Sito web istituzionale", "portale_servizi": "Portale dei servizi online",
		"gestione_documentale": "Gestione documentale", "app": "App istituzionali", "suap": "SUAP", "telemaco": "TELEMACO",
		"ced_multiente": "CED Multiente", "contact_center": "Contact center 055055", "sit": "SIT", "altro": "Altro"}
	slaLabels = map[domain.SLAState]string{domain.SLARunning: "In corso", domain.SLAMet: "Rispettato", domain.SLABreached: "Violato"}
)

func (h *Handler) funcs() template.FuncMap {
	return template.FuncMap{
		"when": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return t.In(h.rome).Format("02/01/2006 15:04")
		},
		"now":      func() time.Time { return h.cfg.Now() },
		"iso":      func(t time.Time) string { return t.In(h.rome).Format(time.RFC3339) },
		"status":   func(s domain.Status) string { return label(statusLabels, s) },
		"action":   func(a domain.Action) string { return label(actionLabels, a) },
		"slaState": func(s domain.SLAState) string { return label(slaLabels, s) },
		"ivStatus": func(s domain.InterventionStatus) string { return label(interventionStatusLabels, s) },
		"tier":     func(t domain.Tier) string { return label(tierLabels, t) },
		"ivrow": func(iv domain.Intervention, s *session, tech bool) map[string]any {
			return map[string]any{"I": iv, "S": s, "Tech": tech}
		},
		"service":    func(s string) string { return label(serviceLabels, s) },
		"waitingOn":  func(o domain.WaitingOn) string { return label(waitingOnLabels, o) },
		"waitingOns": func() []domain.WaitingOn { return domain.WaitingOns },
		"pause":      pauseText,
		"channel":    func(c domain.Channel) string { return label(channelLabels, c) },
		"services":   func() []string { return domain.Services },
		"num":        itNumber,
		"share":      func(v *float64) string { return itPercent(v, true, 1) },
		"pct":        func(v float64) string { return itPercent(&v, false, 1) },
		"pct1":       func(v *float64) string { return itPercent(v, false, 1) },
		"resolved":   resolvedPercent,
		"slaDesc":    func(c domain.SLACode) string { return domain.SLADescriptions[c] },
		"signed": func(v *int64) string {
			if *v > 0 {
				return "+" + itNumber(*v) + "%"
			}
			return itNumber(*v) + "%"
		},
		"level": func(l domain.Level) string { return fmt.Sprintf("%d° livello", l) },
		"role":  func(r domain.Role) string { return label(roleLabels, r) },
		"kind":  func(k string) string { return label(kindLabels, k) },
		"ced":   func(c string) string { return label(cedLabels, c) },
		"kinds": func() []string { return domain.EnteKinds },
		"ceds":  func() []string { return domain.CEDCoverages },
		"roles": func() []domain.Role {
			return []domain.Role{domain.RoleEnte, domain.RoleOperator, domain.RoleTechnician, domain.RoleReporter, domain.RoleAdmin, domain.RoleMonitor}
		},
		"minutes": func(d time.Duration) int64 { return int64(d / time.Minute) },
		"closure": closureText,
		"notice":  func(n domain.NoticeOutcome) string { return label(noticeLabels, n) },
		"day":     func(t time.Time) string { return t.In(h.rome).Format("02/01/2006") },
		"outageTable": func(id, caption string, rows []outageRow) map[string]any {
			return map[string]any{"ID": id, "Caption": caption, "Rows": rows}
		},
		"download": func(year int, section, name, asOf string) map[string]any {
			return map[string]any{"Year": year, "Section": section, "Name": name, "AsOf": asOf}
		},
		"enteForm": func(e domain.Ente) enteForm {
			return enteForm{Code: e.Code, Name: e.Name, Kind: e.Kind, CED: e.CEDMultiente, OfficeEmail: e.OfficeEmail, ContactCenter: e.ContactCenter}
		},
		"slaKey": func(c domain.SLACode) string { return strings.ReplaceAll(string(c), ".", "_") },
		"chosen": func(xs []string, x string) bool { return slices.Contains(xs, x) },
	}
}

var monthNames = [...]string{"", "gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio",
	"agosto", "settembre", "ottobre", "novembre", "dicembre"}

// closureText reads a closure day as Italians write it: "24 giugno (ogni
// anno dal 2020)" or "7 dicembre 2026".
func closureText(c domain.EnteClosure) string {
	m := ""
	if c.Month >= time.January && c.Month <= time.December {
		m = monthNames[c.Month]
	}
	switch {
	case c.Year != 0:
		return fmt.Sprintf("%d %s %d", c.Day, m, c.Year)
	case c.FromYear != 0:
		return fmt.Sprintf("%d %s (ogni anno dal %d)", c.Day, m, c.FromYear)
	default:
		return fmt.Sprintf("%d %s (ogni anno)", c.Day, m)
	}
}

func label[K ~string](m map[K]string, k K) string {
	if v, ok := m[k]; ok {
		return v
	}
	return string(k)
}
