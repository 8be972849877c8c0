package web

import (
	"net/http"

	"github.com/cst-firenze/helpdesk/domain"
)

// admin lets through, after signedIn's session and CSRF checks, only the
// roles domain.Permissions allows act: the API's rule for the same act.
func (h *Handler) admin(act domain.Act, next func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
	return h.signedIn(func(w http.ResponseWriter, r *http.Request, s *session) {
		if err := domain.Permit(s.P, act); err != nil {
			h.errorPage(w, r, s, err)
			return
		}
		next(w, r, s)
	})
}

// formOutcome is how a posted admin form ended, for the page to show.
type formOutcome struct {
	Errors []string
	Stale  bool // the page showed an older version: nothing was changed
}

// refused shows a form's page again with what the use case refused, or
// the error page when the failure is not about the form.
func (h *Handler) refused(w http.ResponseWriter, r *http.Request, s *session, err error, show func(formOutcome)) {
	status, out, ok := failed(err)
	if !ok {
		h.errorPage(w, r, s, err)
		return
	}
	w.WriteHeader(status)
	show(out)
}

// failed turns a use case's refusal of a form into what the page shows
// and its status; ok is false for errors that are not about the form.
func failed(err error) (int, formOutcome, bool) {
	switch domain.ErrorCode(err) {
	case domain.CodePreconditionFailed:
		return http.StatusConflict, formOutcome{Stale: true}, true
	case domain.CodeConflict:
		return http.StatusConflict, formOutcome{Errors: []string{"Operazione non consentita: " + err.Error()}}, true
	}
	if msgs := fieldMessages(err); msgs != nil {
		return http.StatusUnprocessableEntity, formOutcome{Errors: msgs}, true
	}
	return 0, formOutcome{}, false
}
