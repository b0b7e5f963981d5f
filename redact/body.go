package redact

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"strings"
	"unicode/utf8"
)

// Body returns what to print of a request or response body of the given
// Content-Type: JSON with the values of secret members masked (and the
// other strings through Text), a
// form-encoded body masked as a query, other text through Text, and for
// anything else (binary types, bytes that are not UTF-8) only a note of
// its size and type. The package doc says why.
func Body(contentType string, body []byte) string {
	if len(body) == 0 {
		return ""
	}
	media, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		media = strings.ToLower(strings.TrimSpace(contentType))
	}
	utf8OK := utf8.Valid(body)
	switch {
	case !utf8OK:
	case isJSON(media):
		if out, ok := maskJSON(body); ok {
			return out
		}
		return Text(string(body))
	case media == "application/x-www-form-urlencoded":
		return Query(string(body))
	case media == "" || isText(media):
		return Text(string(body))
	}
	if media == "" {
		media = "no Content-Type"
	}
	return fmt.Sprintf("(%d bytes of %s, not shown)", len(body), media)
}

func isJSON(media string) bool {
	return media == "application/json" || strings.HasSuffix(media, "+json")
}

func isText(media string) bool {
	switch media {
	case "application/xml", "application/javascript", "application/x-yaml", "application/yaml":
		return true
	}
	return strings.HasPrefix(media, "text/") || strings.HasSuffix(media, "+xml")
}

// jsonFrame is an object or array being read.
type jsonFrame struct {
	object bool
	// key is the member name whose value comes next (objects).
	key      string
	wantKey  bool
	secret   bool // every scalar in it is secret (an array under a secret key)
	tokenObj bool // an object under a key like "token": its "id" is the token
}

// maskJSON returns body with the string and number values of secret
// members replaced by "****" (as a JSON string), other strings through
// Text, the rest byte for byte; false when body is not JSON.
func maskJSON(body []byte) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var stack []jsonFrame
	var out []byte
	last := 0
	for {
		before := dec.InputOffset()
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", false
		}
		after := int(dec.InputOffset())
		// Is the value this token starts secret?
		secret, tokenKey := false, false
		var top *jsonFrame
		if len(stack) > 0 {
			top = &stack[len(stack)-1]
		}
		isKey := top != nil && top.object && top.wantKey
		if top != nil && !isKey {
			if top.object {
				secret = Key(top.key) || (top.tokenObj && strings.EqualFold(top.key, "id"))
				tokenKey = isTokenKey(top.key)
			} else {
				secret = top.secret
			}
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				if top != nil && top.object {
					top.wantKey = true
				}
				stack = append(stack, jsonFrame{object: t == '{', wantKey: t == '{', secret: t == '[' && secret, tokenObj: t == '{' && tokenKey})
			case '}', ']':
				stack = stack[:len(stack)-1]
			}
			continue
		case string:
			if isKey {
				top.key, top.wantKey = t, false
				continue
			}
		}
		if top != nil && top.object {
			top.wantKey = true
		}
		var replacement []byte
		switch t := tok.(type) {
		case string:
			if secret {
				replacement = []byte(`"` + Mask + `"`)
			} else if masked := Text(t); masked != t {
				// A URL or query in an ordinary string: "query": "token=t".
				replacement, _ = json.Marshal(masked)
			}
		case json.Number:
			if secret {
				replacement = []byte(`"` + Mask + `"`)
			}
		}
		// true, false and null give nothing away.
		if replacement == nil {
			continue
		}
		start := int(before)
		for start < after && strings.IndexByte(" \t\r\n,:", body[start]) >= 0 {
			start++
		}
		out = append(out, body[last:start]...)
		out = append(out, replacement...)
		last = after
	}
	if out == nil {
		return string(body), true
	}
	return string(append(out, body[last:]...)), true
}

// isTokenKey reports whether a member name is one whose object value
// holds a token as its "id": Keystone's {"token": {"id": ...}} in v3
// token authentication and v2 responses.
func isTokenKey(k string) bool {
	var buf [1]string
	w := lastWords(k, buf[:0])
	return len(w) == 1 && strings.EqualFold(trimPlural(w[0]), "token")
}
