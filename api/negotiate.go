package api

import (
	"mime"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/cst-firenze/helpdesk/domain"
)

// negotiate picks the offered media type an Accept header prefers, as RFC
// 9110 §12.5.1 says: each offer takes the q of the most specific range
// that matches it (type/subtype over type/* over */*), the highest q wins,
// and a tie goes to the earlier offer (the default). An absent header
// accepts the first offer; ok is false when no offer is acceptable. Media
// types compare case-insensitively.
func negotiate(accept string, offers ...string) (string, bool) {
	if strings.TrimSpace(accept) == "" {
		return offers[0], true
	}
	type best struct {
		q    float64
		spec int // 0 for */*, 1 for type/*, 2 for the exact type
	}
	bests := make([]best, len(offers))
	for i := range bests {
		bests[i] = best{q: -1, spec: -1}
	}
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if q, err = strconv.ParseFloat(v, 64); err != nil || q < 0 || q > 1 {
				continue
			}
		}
		for i, offer := range offers {
			spec := -1
			switch {
			case mt == "*/*":
				spec = 0
			case strings.HasSuffix(mt, "/*") && strings.HasPrefix(offer, strings.TrimSuffix(mt, "*")):
				spec = 1
			case mt == offer:
				spec = 2
			}
			if spec > bests[i].spec {
				bests[i] = best{q: q, spec: spec}
			}
		}
	}
	pick := -1
	for i, b := range bests {
		if b.q > 0 && (pick < 0 || b.q > bests[pick].q) {
			pick = i
		}
	}
	if pick < 0 {
		return "", false
	}
	return offers[pick], true
}

// accepting refuses with 406 a request whose Accept header allows none of
// the media types the route answers with. Problems are sent as
// application/problem+json whatever the header says (RFC 9457 §3).
func accepting(offers ...string) gin.HandlerFunc {
	return func(c *gin.Context) {
		if _, ok := negotiate(c.GetHeader("Accept"), append(offers, "application/problem+json")...); !ok {
			fail(c, &domain.Error{Code: codeNotAcceptable,
				Message: "this resource is available as " + strings.Join(offers, " or ") + "; the Accept header allows none of them"})
			return
		}
		c.Next()
	}
}
