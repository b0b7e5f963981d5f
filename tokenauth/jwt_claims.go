package tokenauth

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
)

// factsFromClaims maps a JWT's claims, or a static_token file entry
// (which uses the same names), to what auth_token would have learned
// from Keystone. The mapping (docs/auth.md):
//
//	X-User-Id              user_id, else sub (required)
//	X-User-Name            user_name, else preferred_username
//	X-User-Domain-Id/Name  user_domain_id, user_domain_name
//	X-Project-Id/Name      project_id, project_name
//	X-Project-Domain-*     project_domain_id, project_domain_name
//	X-Domain-Id/Name       domain_id, domain_name (a domain-scoped token)
//	OpenStack-System-Scope system_scope
//	X-Roles                roles: a list of strings, or one string of
//	                       comma or space separated names
//	X-Is-Admin-Project     is_admin_project: true or false; true when absent
//	expiry                 exp, seconds since 1970
//
// A claim of the wrong type makes the token invalid rather than being
// guessed at.
func factsFromClaims(c map[string]any) (*tokenFacts, error) {
	var f tokenFacts
	var err error
	str := func(names ...string) string {
		for _, n := range names {
			v, ok := c[n]
			if !ok || v == nil {
				continue
			}
			s, isString := v.(string)
			if !isString {
				err = fmt.Errorf("claim %s is not a string", n)
			}
			if s != "" {
				return s
			}
		}
		return ""
	}
	f.UserID = str("user_id", "sub")
	f.UserName = str("user_name", "preferred_username")
	f.UserDomainID, f.UserDomainName = str("user_domain_id"), str("user_domain_name")
	f.ProjectID, f.ProjectName = str("project_id"), str("project_name")
	f.ProjectDomainID, f.ProjectDomainName = str("project_domain_id"), str("project_domain_name")
	f.DomainID, f.DomainName = str("domain_id"), str("domain_name")
	f.SystemScope = str("system_scope")
	if err != nil {
		return nil, err
	}
	if f.UserID == "" {
		return nil, fmt.Errorf("no user: neither user_id nor sub is set")
	}
	if f.Roles, err = claimRoles(c["roles"]); err != nil {
		return nil, err
	}
	f.IsAdminProject = true
	if v, ok := c["is_admin_project"]; ok {
		b, isBool := v.(bool)
		if !isBool {
			return nil, fmt.Errorf("claim is_admin_project is not true or false")
		}
		f.IsAdminProject = b
	}
	if f.Expires, err = claimTime(c["exp"]); err != nil {
		return nil, err
	}
	return &f, nil
}

// claimRoles reads the roles claim: ["a", "b"] or "a,b" or "a b".
func claimRoles(v any) ([]string, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case string:
		return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' }), nil
	case []any:
		roles := make([]string, 0, len(v))
		for _, r := range v {
			s, ok := r.(string)
			if !ok {
				return nil, fmt.Errorf("claim roles holds a %T, not a role name", r)
			}
			roles = append(roles, s)
		}
		return roles, nil
	}
	return nil, fmt.Errorf("claim roles is neither a list nor a string")
}

// claimTime reads a NumericDate (seconds since 1970, possibly with a
// fraction), as JSON decodes it; absent is the zero time.
func claimTime(v any) (time.Time, error) {
	var secs float64
	switch v := v.(type) {
	case nil:
		return time.Time{}, nil
	case float64:
		secs = v
	case json.Number:
		f, err := v.Float64()
		if err != nil {
			return time.Time{}, fmt.Errorf("claim exp is not a number")
		}
		secs = f
	default:
		return time.Time{}, fmt.Errorf("claim exp is not a number")
	}
	whole, frac := math.Modf(secs)
	return time.Unix(int64(whole), int64(frac*1e9)), nil
}
