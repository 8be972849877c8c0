package web

import "net/http"

// accessibility is the accessibility statement the law requires of public
// bodies' web services.
func (h *Handler) accessibility(w http.ResponseWriter, r *http.Request) {
	var s *session
	if p, ok := h.current(w, r); ok {
		s = &session{P: p, CSRF: h.csrfToken(h.csrfSeed(w, r))}
	}
	h.render(w, r, s, "accessibility", "Dichiarazione di accessibilità", nil)
}
