package api

import (
	"fmt"
	"github.com/cst-firenze/helpdesk/app"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/cst-firenze/helpdesk/domain"
)

type enteJSON struct {
	Code          string `json:"code"`
	Name          string `json:"name"`
	Kind          string `json:"kind"`
	ContactCenter bool   `json:"contact_center"`
	CEDMultiente  string `json:"ced_multiente"`
	OfficeEmail   string `json:"office_email"`
	Version       int    `json:"version"`
}

func enteToJSON(e domain.Ente) enteJSON {
	return enteJSON{Code: e.Code, Name: e.Name, Kind: e.Kind, ContactCenter: e.ContactCenter, CEDMultiente: e.CEDMultiente, OfficeEmail: e.OfficeEmail, Version: e.Version}
}

func (s *Server) listEnti(c *gin.Context) {
	es, err := s.enti.List(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": mapItems(es, enteToJSON)})
}

func (s *Server) getEnte(c *gin.Context) {
	e, err := s.enti.Get(c.Request.Context(), c.Param("code"))
	if err != nil {
		fail(c, err)
		return
	}
	writeRead(c, e.Version, enteToJSON(e))
}

type createEnteRequest struct {
	Code          string `json:"code"`
	Name          string `json:"name"`
	Kind          string `json:"kind"`
	ContactCenter bool   `json:"contact_center"`
	CEDMultiente  string `json:"ced_multiente"`
	OfficeEmail   string `json:"office_email"`
}

func (s *Server) createEnte(c *gin.Context) {
	var req createEnteRequest
	if _, err := s.bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	e, err := s.enti.Create(c.Request.Context(), domain.Ente{Code: req.Code, Name: req.Name, Kind: req.Kind,
		ContactCenter: req.ContactCenter, CEDMultiente: req.CEDMultiente, OfficeEmail: req.OfficeEmail})
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/enti/"+e.Code)
	writeJSON(c, http.StatusCreated, e.Version, enteToJSON(e))
}

type patchEnteRequest struct {
	Name          *string `json:"name"`
	Kind          *string `json:"kind"`
	ContactCenter *bool   `json:"contact_center"`
	CEDMultiente  *string `json:"ced_multiente"`
	OfficeEmail   *string `json:"office_email"`
}

func (s *Server) patchEnte(c *gin.Context) {
	var req patchEnteRequest
	if _, err := s.bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	want, hasIfMatch, err := ifMatch(c)
	if err != nil {
		fail(c, err)
		return
	}
	if !hasIfMatch {
		want = app.AnyVersion
	}
	e, err := s.enti.Update(c.Request.Context(), c.Param("code"), app.EnteChange(req), want)
	if err != nil {
		fail(c, err)
		return
	}
	writeJSON(c, http.StatusOK, e.Version, enteToJSON(e))
}

type closureJSON struct {
	ID       int64  `json:"id"`
	Month    int    `json:"month"`
	Day      int    `json:"day"`
	Year     int    `json:"year,omitempty"`
	FromYear int    `json:"from_year,omitempty"`
	Reason   string `json:"reason"`
}

type closureRequest struct {
	Month    int    `json:"month"`
	Day      int    `json:"day"`
	Year     int    `json:"year"`
	FromYear int    `json:"from_year"`
	Reason   string `json:"reason"`
}

func closureToJSON(c domain.EnteClosure) closureJSON {
	return closureJSON{ID: c.ID, Month: int(c.Month), Day: c.Day, Year: c.Year, FromYear: c.FromYear, Reason: c.Reason}
}

func (s *Server) listClosures(c *gin.Context) {
	cs, err := s.enti.Closures(c.Request.Context(), c.Param("code"))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": mapItems(cs, closureToJSON)})
}

// addClosure adds a closure day to an ente's calendar. Deadlines already
// computed keep their stored value; only clocks started later see it.
func (s *Server) addClosure(c *gin.Context) {
	var req closureRequest
	if _, err := s.bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	code := c.Param("code")
	cl, err := s.enti.AddClosure(c.Request.Context(), domain.EnteClosure{EnteCode: code,
		Closure: domain.Closure{Month: time.Month(req.Month), Day: req.Day, Year: req.Year, FromYear: req.FromYear, Reason: req.Reason}})
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Location", fmt.Sprintf("/api/v1/enti/%s/closures/%d", code, cl.ID))
	c.JSON(http.StatusCreated, closureToJSON(cl))
}

func (s *Server) deleteClosure(c *gin.Context) {
	id, err := pathID(c, "id")
	if err == nil {
		err = s.enti.DeleteClosure(c.Request.Context(), c.Param("code"), id)
	}
	if err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

type intervalJSON struct {
	Open  string `json:"open"`  // HH:MM
	Close string `json:"close"` // HH:MM; 24:00 is midnight at the end of the day
}

// weekHoursJSON keys are lowercase English weekday names.
type weekHoursJSON map[string][]intervalJSON

var weekdays = []string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}

func hoursToJSON(w domain.WeekHours) weekHoursJSON {
	out := weekHoursJSON{}
	for d, ivs := range w {
		list := []intervalJSON{}
		for _, iv := range ivs {
			list = append(list, intervalJSON{Open: hhmm(iv.Open), Close: hhmm(iv.Close)})
		}
		out[weekdays[d]] = list
	}
	return out
}

func hhmm(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

func parseHHMM(field, v string) (int, error) {
	var h, m int
	if len(v) != 5 || v[2] != ':' {
		return 0, domain.Invalid("a time of day is not valid", domain.FieldError{Field: field, Detail: "must be HH:MM"})
	}
	h, err1 := strconv.Atoi(v[:2])
	m, err2 := strconv.Atoi(v[3:])
	if err1 != nil || err2 != nil || h > 24 || m > 59 || h == 24 && m != 0 {
		return 0, domain.Invalid("a time of day is not valid", domain.FieldError{Field: field, Detail: "must be HH:MM between 00:00 and 24:00"})
	}
	return h*60 + m, nil
}

func hoursFromJSON(in weekHoursJSON) (domain.WeekHours, error) {
	var w domain.WeekHours
	known := map[string]int{}
	for i, d := range weekdays {
		known[d] = i
	}
	for day, ivs := range in {
		i, ok := known[day]
		if !ok {
			return w, domain.Invalid("unknown weekday", domain.FieldError{Field: day, Detail: "must be a lowercase English weekday name"})
		}
		for j, iv := range ivs {
			open, err := parseHHMM(fmt.Sprintf("%s[%d].open", day, j), iv.Open)
			if err != nil {
				return w, err
			}
			cl, err := parseHHMM(fmt.Sprintf("%s[%d].close", day, j), iv.Close)
			if err != nil {
				return w, err
			}
			w[i] = append(w[i], domain.Interval{Open: open, Close: cl})
		}
	}
	return w, nil
}

type holidayJSON struct {
	Date string `json:"date"`
	Name string `json:"name"`
}

type calendarJSON struct {
	TimeZone string        `json:"time_zone"`
	Year     int           `json:"year"`
	Hours    weekHoursJSON `json:"hours"`
	Holidays []holidayJSON `json:"holidays"`
	Ente     string        `json:"ente,omitempty"`
	Closures []closureJSON `json:"closures,omitempty"`
}

// getCalendar shows the working calendar of a year: counter hours,
// national holidays and, with ?ente=, that ente's closures.
func (s *Server) getCalendar(c *gin.Context) {
	year := 0 // this year
	if v := c.Query("year"); v != "" {
		y, err := strconv.Atoi(v)
		if err != nil || y < 1977 || y > 2200 {
			fail(c, domain.Invalid("the year is not valid", domain.FieldError{Field: "year", Detail: "must be between 1977 and 2200"}))
			return
		}
		year = y
	}
	v, err := s.enti.Calendar(c.Request.Context(), year, c.Query("ente"))
	if err != nil {
		fail(c, err)
		return
	}
	out := calendarJSON{TimeZone: s.rome.String(), Year: v.Year, Hours: hoursToJSON(v.Hours), Holidays: []holidayJSON{}, Ente: v.Ente}
	for _, h := range v.Holidays {
		out.Holidays = append(out.Holidays, holidayJSON{Date: h.Date.Format("2006-01-02"), Name: h.Name})
	}
	if v.Ente != "" {
		out.Closures = mapItems(v.Closures, closureToJSON)
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) putHours(c *gin.Context) {
	var req weekHoursJSON
	if _, err := s.bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	w, err := hoursFromJSON(req)
	if err == nil {
		err = s.enti.SetWeekHours(c.Request.Context(), w)
	}
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, hoursToJSON(w))
}

type slaTargetJSON struct {
	Code          domain.SLACode `json:"code"`
	Description   string         `json:"description"`
	TargetMinutes int            `json:"target_minutes"`
	Basis         domain.Basis   `json:"basis"`
	ExpectedShare float64        `json:"expected_share"`
}

type slaTargetInput struct {
	Code          domain.SLACode `json:"code"`
	TargetMinutes int            `json:"target_minutes"`
	Basis         domain.Basis   `json:"basis"`
	ExpectedShare float64        `json:"expected_share"`
}

func slaTargetsJSON(ts domain.SLATargets) []slaTargetJSON {
	out := make([]slaTargetJSON, len(ts))
	for i, t := range ts {
		out[i] = slaTargetJSON{Code: t.Code, Description: domain.SLADescriptions[t.Code], TargetMinutes: int(t.Target / time.Minute), Basis: t.Basis, ExpectedShare: t.ExpectedShare}
	}
	return out
}

func (s *Server) getSLATargets(c *gin.Context) {
	ts, err := s.enti.SLATargets(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": slaTargetsJSON(ts)})
}

// putSLATargets replaces the targets; tickets already open keep theirs.
func (s *Server) putSLATargets(c *gin.Context) {
	var req struct {
		Items []slaTargetInput `json:"items"`
	}
	if _, err := s.bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	ts := make(domain.SLATargets, len(req.Items))
	for i, in := range req.Items {
		ts[i] = domain.SLATarget{Code: in.Code, Target: time.Duration(in.TargetMinutes) * time.Minute, Basis: in.Basis, ExpectedShare: in.ExpectedShare}
	}
	if err := s.enti.SetSLATargets(c.Request.Context(), ts); err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": slaTargetsJSON(ts)})
}
