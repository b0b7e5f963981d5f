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
// other strings through Text), a form-encoded body masked as a query,
// other text through Text (or as JSON, when it is JSON: APIs serve JSON
// as text/plain, or with no type), and for anything else (binary types,
// bytes that are not UTF-8) only a note of its size and type. The
// package doc says why.
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
		if looksLikeJSON(string(body)) {
			if out, ok := maskJSON(body); ok {
				return out
			}
		}
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

// looksLikeJSON reports whether s starts, after white space, as a JSON
// object or array does.
func looksLikeJSON(s string) bool {
	s = strings.TrimLeft(s, " \t\r\n")
	return s != "" && (s[0] == '{' || s[0] == '[')
}

// jsonFrame is an object or array being read.
type jsonFrame struct {
	object bool
	// key is the member name whose value comes next (objects).
	key     string
	wantKey bool
	// secret: every string and number in it, at any depth, is secret (it
	// is under a secret member name).
	secret bool
	// tokenObj is an object under a key like "token": its "id" is the
	// token.
	tokenObj bool
	// identity is Keystone's "identity" object: its members are the
	// objects of its methods ("password", "token", "totp"), which
	// describe a login; only the secrets inside them are secret.
	identity bool
}

// maskJSON returns body with the string and number values of secret
// members replaced by "****" (as a JSON string), other strings through
// Text (or, when they hold JSON themselves, masked as JSON), the rest
// byte for byte; false when body is not JSON.
//
// A member is secret when its name is a secret header's (see Header,
// which takes in every secret key), and then all of its value is: a
// string, a number, and every string and number in an object or array,
// at any depth ({"password": {"value": ...}}, {"passwords": [...]}).
// Keystone's descriptions are the exception: an object under "token"
// (a v2 access.token, a v3 token response, the token method) has only
// its "id" and its own secret members masked, and so does the object of
// a method under "identity" ("password": {"user": {"name": ...,
// "password": ...}}), so that who logs in, and when the token expires,
// stay readable.
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
		var top *jsonFrame
		if len(stack) > 0 {
			top = &stack[len(stack)-1]
		}
		isKey := top != nil && top.object && top.wantKey
		// Is the value this token starts secret, and what is it to
		// Keystone?
		secret, container, tokenKey, identity := false, false, false, false
		if top != nil && !isKey {
			secret = top.secret
			if top.object && !secret {
				tokenKey = isTokenKey(top.key)
				container = tokenKey || top.identity
				identity = strings.EqualFold(top.key, "identity")
				secret = Header(top.key) || (top.tokenObj && strings.EqualFold(top.key, "id"))
			}
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				if top != nil && top.object {
					top.wantKey = true
				}
				f := jsonFrame{object: t == '{', wantKey: t == '{', secret: secret}
				if t == '{' && container && !top.secret {
					f.secret = false
					f.tokenObj = tokenKey
				}
				f.identity = t == '{' && identity && !f.secret
				stack = append(stack, f)
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
			} else if masked := maskString(t); masked != t {
				// A URL or query in an ordinary string ("query":
				// "token=t"), or JSON in a string (Keystone's
				// credential blobs).
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

// maskString masks a string value of a JSON document: as JSON when it
// holds a JSON object or array, else through Text.
func maskString(s string) string {
	if looksLikeJSON(s) {
		if out, ok := maskJSON([]byte(s)); ok {
			return out
		}
	}
	return Text(s)
}

// isTokenKey reports whether a member name is one whose object value
// holds a token as its "id": Keystone's {"token": {"id": ...}} in v3
// token authentication and v2 responses.
func isTokenKey(k string) bool {
	var buf [1]string
	w := lastWords(k, buf[:0])
	return len(w) == 1 && strings.EqualFold(trimPlural(w[0]), "token")
}
