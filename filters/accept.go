package filters

import (
	"strconv"
	"strings"
)

// negotiate picks the offer the Accept header prefers, as webob's
// acceptable_offers: each offer gets the quality of the most specific
// media range that matches it, offers of quality 0 are out, and ties go
// to the order of offers. It returns "" when nothing is acceptable, and
// offers[0] when there is no Accept header.
func negotiate(accept string, offers []string) string {
	if strings.TrimSpace(accept) == "" {
		return offers[0]
	}
	type mediaRange struct {
		typ, sub string
		q        float64
	}
	var ranges []mediaRange
	for _, part := range strings.Split(accept, ",") {
		params := strings.Split(part, ";")
		typ, sub, _ := strings.Cut(strings.ToLower(strings.TrimSpace(params[0])), "/")
		m := mediaRange{typ: typ, sub: sub, q: 1}
		for _, p := range params[1:] {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(k, "q") {
				if q, err := strconv.ParseFloat(v, 64); err == nil {
					m.q = q
				}
			}
		}
		ranges = append(ranges, m)
	}
	best, bestQ := "", 0.0
	for _, offer := range offers {
		typ, sub, _ := strings.Cut(offer, "/")
		q, specificity := 0.0, -1
		for _, m := range ranges {
			s := -1
			switch {
			case m.typ == typ && m.sub == sub:
				s = 2
			case m.typ == typ && m.sub == "*":
				s = 1
			case m.typ == "*" && m.sub == "*":
				s = 0
			}
			if s > specificity {
				q, specificity = m.q, s
			}
		}
		if q > bestQ {
			best, bestQ = offer, q
		}
	}
	return best
}
