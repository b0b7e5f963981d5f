package filters

import (
	"net/http"
	"strings"
)

// maskedHeaders returns the request headers as a map for a log line, with
// secrets replaced by "*****": every X-*-Token header (X-Auth-Token,
// X-Subject-Token, X-Service-Token, X-Storage-Token), as oslo's
// catch_errors masks them since LP #1628031, and Authorization,
// Proxy-Authorization and Cookie, which carry secrets as well.
func maskedHeaders(h http.Header) map[string]string {
	out := make(map[string]string, len(h))
	for k, v := range h {
		if isSecretHeader(k) {
			out[k] = "*****"
			continue
		}
		out[k] = strings.Join(v, ", ")
	}
	return out
}

func isSecretHeader(canonical string) bool {
	switch canonical {
	case "Authorization", "Proxy-Authorization", "Cookie":
		return true
	}
	return strings.HasPrefix(canonical, "X-") && strings.HasSuffix(canonical, "-Token")
}
